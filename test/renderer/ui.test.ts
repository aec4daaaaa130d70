// The renderer in a real browser (Debian's chromium through playwright-core) against a real master:
// tasks added, progress arriving live over the hub, cancel/retry, pause, the timeline, the fleet.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildRenderer } from '../../renderer/build.js';
import { api } from '../helpers/api.js';
import { startTestMaster } from '../helpers/master.js';
import { SimWorker } from '../helpers/sim-worker.js';
import { VideoCaptionerStandIn } from '../helpers/videocaptioner-worker.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

describe('the UI in a browser', { skip }, () => {
  let uiDir: string;
  let master: Awaited<ReturnType<typeof startTestMaster>>;
  let browser: Browser;
  let page: Page;
  const workers: { close(): Promise<void> }[] = [];

  before(async () => {
    uiDir = await buildRenderer(mkdtempSync(join(tmpdir(), 'captionhub-ui-')));
    master = await startTestMaster({}, { uiDir });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(master.url);
    await page.getByRole('status').filter({ hasText: 'live' }).waitFor();
    assert.deepEqual(problems, []);
  });

  after(async () => {
    for (const worker of workers) await worker.close().catch(() => {});
    await browser?.close();
    await master?.stop();
    rmSync(uiDir, { recursive: true, force: true });
  });

  const row = (taskId: number) => page.locator(`tr[data-task-id="${taskId}"]`);
  const count = (status: string) => page.locator(`li[data-status="${status}"] strong`);

  test('paths typed one per line are queued in one request; a bad one is named and nothing is queued', async () => {
    await page.getByRole('checkbox', { name: 'Pause the queue' }).check();
    await page.getByLabel('video paths').fill('/videos/a.mp4\nrelative.mp4');
    await page.getByRole('button', { name: 'Add to queue' }).click();
    await page.getByRole('alert').filter({ hasText: 'tasks[1].video_path: must be an absolute path' }).waitFor();
    assert.equal((await api(master.url).call<{ total: number }>('GET', '/api/tasks')).body.total, 0);

    await page.getByLabel('video paths').fill('/videos/a.mp4\n/videos/b.mkv');
    await page.getByLabel('translate to').fill('zh');
    await page.getByRole('button', { name: 'Add to queue' }).click();
    await page.getByRole('status').filter({ hasText: 'Queued 2 tasks.' }).waitFor();
    await row(1).waitFor();
    await row(2).waitFor();
    assert.equal(await row(2).locator('td').nth(1).textContent(), 'b.mkv');
    await count('queued').filter({ hasText: /^2$/ }).waitFor();
    const stored = await api(master.url).task(2);
    assert.equal(stored.translated_subtitle_path, '/videos/b.zh.srt');
  });

  test('a worker joins, takes a task when the queue resumes, and its progress shows without a reload', async () => {
    const worker = await SimWorker.start(master.hubUrl, 'gpu-1', { capabilities: { gpu_available: true, concurrent_tasks: 1 } });
    workers.push(worker);
    await page.locator('li[data-worker-id="gpu-1"]').waitFor();
    await page.getByRole('checkbox', { name: 'Pause the queue' }).uncheck();
    const task = await worker.nextTask();
    await row(task.taskId).locator('.badge.processing').waitFor();
    await worker.progress(task.taskId, 5000, 'transcribing');
    await page.waitForFunction(`document.querySelector('tr[data-task-id="${task.taskId}"] progress')?.value === 5000`);
    assert.equal(await row(task.taskId).locator('.pct').textContent(), '50%');
    assert.equal(await row(task.taskId).locator('td').nth(4).textContent(), 'gpu-1');
    assert.match((await page.locator('li[data-worker-id="gpu-1"]').textContent()) ?? '', new RegExp(`running #${task.taskId}`));
    await worker.complete(task.taskId);
    await row(task.taskId).locator('.badge.completed').waitFor();
    await count('completed').filter({ hasText: /^1$/ }).waitFor();
  });

  test('cancel and retry from the table; the timeline tells the story', async () => {
    await page.getByRole('checkbox', { name: 'Pause the queue' }).check();
    const { task_id } = await api(master.url).createTask({ video_path: '/videos/c.mp4' });
    await row(task_id).getByRole('button', { name: 'Cancel' }).click();
    await row(task_id).locator('.badge.cancelled').waitFor();
    await row(task_id).getByRole('button', { name: 'Retry' }).click();
    await row(task_id).locator('.badge.queued').waitFor();
    await row(task_id).click();
    const timeline = page.getByLabel(`timeline of task ${task_id}`);
    await timeline.locator('li.queued').nth(1).waitFor();
    assert.deepEqual(await timeline.locator('li .message').allTextContents(), ['queued /videos/c.mp4', 'cancelled by the user', 'queued again by the user']);
    await page.getByRole('button', { name: 'close the timeline' }).click();
    await page.getByRole('heading', { name: 'Workers' }).waitFor();
  });

  test('pausing elsewhere (the tray, the API) moves the switch too', async () => {
    const rest = api(master.url);
    const pauseSwitch = page.getByRole('checkbox', { name: 'Pause the queue' });
    await rest.call('POST', '/api/queue/resume');
    await page.waitForFunction(`!document.querySelector('.switch input').checked`);
    await rest.call('POST', '/api/queue/pause');
    await page.waitForFunction(`document.querySelector('.switch input').checked`);
    assert.equal(await pauseSwitch.isChecked(), true);
  });

  test('a VideoCaptioner worker is added from the form', async () => {
    const standIn = await VideoCaptionerStandIn.start();
    workers.push({ close: () => standIn.stop() });
    await page.getByLabel('worker endpoint').fill(standIn.endpoint);
    await page.getByRole('button', { name: 'Add worker' }).click();
    const id = `videocaptioner-127.0.0.1-${new URL(standIn.endpoint).port}`;
    await page.getByRole('status').filter({ hasText: `${id} joined.` }).waitFor();
    await page.locator(`li[data-worker-id="${id}"]`).waitFor();

    await page.getByLabel('worker endpoint').fill('http://127.0.0.1:9');
    await page.getByRole('button', { name: 'Add worker' }).click();
    await page.getByRole('alert').filter({ hasText: 'cannot reach http://127.0.0.1:9/health' }).waitFor();
  });

  test('with a token, the page works when opened with it, and says what is missing when not', async () => {
    const guarded = await startTestMaster({ token: 'ui-secret' }, { uiDir });
    const tokenPage = await browser.newPage();
    try {
      await tokenPage.goto(guarded.url);
      await tokenPage.getByRole('alert').filter({ hasText: 'requires a token' }).first().waitFor();

      await tokenPage.goto(`${guarded.url}/?access_token=ui-secret`);
      await tokenPage.getByRole('status').filter({ hasText: 'live' }).waitFor();
      assert.ok(!tokenPage.url().includes('ui-secret'), 'the token leaves the address bar');
      await tokenPage.getByLabel('video paths').fill('/videos/guarded.mp4');
      await tokenPage.getByRole('button', { name: 'Add to queue' }).click();
      await tokenPage.locator('tr[data-task-id="1"]').waitFor();
      assert.equal((await api(guarded.url, 'ui-secret').task(1)).video_path, '/videos/guarded.mp4');
    } finally {
      await tokenPage.close();
      await guarded.stop();
    }
  });
});
