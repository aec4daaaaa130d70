// VideoCaptioner (Python) workers in the fleet: added by endpoint, told to connect with /set-master,
// given work over their REST API, heard through their one-object Subtitize* reports.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { Task, TaskEvent, Worker } from '../../common/task-types.js';
import { api } from '../helpers/api.js';
import { sleep, until } from '../helpers/hub-server.js';
import { startTestMaster } from '../helpers/master.js';
import { freePort } from '../helpers/process.js';
import { VideoCaptionerStandIn } from '../helpers/videocaptioner-worker.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function setup(port = 0, dataDir?: string) {
  const master = await startTestMaster({ port, ...(dataDir && { dataDir }), scheduler: { maxRetries: 2, taskTimeout: 3600, workerTimeout: 60 } });
  cleanups.push(() => master.stop());
  return { master, rest: api(master.url) };
}

async function standIn(options: Parameters<typeof VideoCaptionerStandIn.start>[0] = {}) {
  const worker = await VideoCaptionerStandIn.start({ reconnectDelaysMs: [0, 100, 200], ...options });
  cleanups.push(() => worker.stop());
  return worker;
}

async function waitFor<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await sleep(20);
  }
}

describe('VideoCaptioner workers', () => {
  test('added by endpoint, it runs a task through its REST API and its reports reach the task', async () => {
    const { rest } = await setup();
    const vc = await standIn();
    const added = await rest.call<Worker>('POST', '/api/workers', { endpoint: vc.endpoint });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const port = new URL(vc.endpoint).port;
    assert.equal(added.body.worker_id, `videocaptioner-127.0.0.1-${port}`);
    assert.equal(added.body.status, 'idle');
    assert.equal(added.body.endpoint, vc.endpoint);
    assert.equal(added.body.capabilities.concurrent_tasks, 1);

    const task = await rest.createTask({ video_path: '/videos/talk.mp4', language: 'English', target_language: 'zh' });
    await until(() => vc.current !== null, 5000, 'start-subtitize');
    assert.deepEqual(vc.current, { task_id: 1, video_path: '/videos/talk.mp4', raw_subtitle_path: '/videos/talk.srt', translated_subtitle_path: '/videos/talk.zh.srt', language: 'English' });

    vc.progress(500, 'queued');
    vc.progress(3000, 'transcribing');
    await waitFor(() => rest.task(task.task_id), (t) => t.progress === 3000 && t.state === 'transcribing', 'progress');
    vc.progress(8000, 'translating');
    await waitFor(() => rest.task(task.task_id), (t) => t.state === 'translating', 'translating');
    vc.complete();
    const done = await waitFor(() => rest.task(task.task_id), (t) => t.status === 'completed', 'completion');
    assert.equal(done.raw_subtitle_path, '/videos/talk.srt');
    assert.equal(done.translated_subtitle_path, '/videos/talk.zh.srt');
    assert.equal(done.worker_id, added.body.worker_id);
    const events = (await rest.call<{ events: TaskEvent[] }>('GET', `/api/tasks/${task.task_id}/events`)).body.events;
    assert.deepEqual(
      events.map((e) => e.message),
      ['queued /videos/talk.mp4', `assigned to ${added.body.worker_id} (attempt 1)`, 'transcribing (5%)', 'transcribing 25%', 'translating (80%)', `completed by ${added.body.worker_id}`],
    );
    assert.ok(!vc.received.some((m) => (m as { type: number }).type === 1), 'no hub invocation was sent to it: it could not take one');
  });

  test('its own task ids are mapped back: a fault retries the task, a cancel stops it by the id it knows', async () => {
    const { rest } = await setup();
    const vc = await standIn();
    assert.equal((await rest.call('POST', '/api/workers', { endpoint: vc.endpoint, worker_id: 'gpu-box' })).status, 201);
    const task = await rest.createTask({ video_path: '/videos/a.mp4' });
    await until(() => vc.current?.task_id === 1, 5000, 'first attempt');
    vc.fault('CUDA out of memory');
    // Only one worker: the retry comes back to it, under its next own id.
    await until(() => vc.current?.task_id === 2, 5000, 'second attempt');
    const retried = await rest.task(task.task_id);
    assert.equal(retried.attempts, 2);
    assert.equal(retried.error, 'CUDA out of memory');

    assert.equal((await rest.call('DELETE', `/api/tasks/${task.task_id}`)).status, 200);
    await until(() => vc.stopRequests.length === 1, 5000, 'stop-subtitize');
    assert.deepEqual(vc.stopRequests, [2]);
    assert.equal((await rest.task(task.task_id)).status, 'cancelled');
  });

  test('a worker busy with work of its own when added gets a task once that work ends', async () => {
    const { rest } = await setup();
    const vc = await standIn();
    vc.current = { task_id: 99, video_path: '/elsewhere.mp4', raw_subtitle_path: '/elsewhere.srt', translated_subtitle_path: '', language: null };
    const added = await rest.call<Worker>('POST', '/api/workers', { endpoint: vc.endpoint });
    assert.equal(added.body.status, 'busy');
    const task = await rest.createTask({ video_path: '/videos/next.mp4' });
    await sleep(200);
    assert.equal((await rest.task(task.task_id)).status, 'queued');
    vc.complete();
    await until(() => vc.current?.video_path === '/videos/next.mp4', 5000, 'dispatch after the foreign task');
  });

  test('after a master restart it reconnects by itself and the task it was running stays with it', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'captionhub-vc-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const first = await setup(port, dataDir);
    const vc = await standIn();
    await first.rest.call('POST', '/api/workers', { endpoint: vc.endpoint, worker_id: 'vc' });
    const task = await first.rest.createTask({ video_path: '/videos/long.mp4' });
    await until(() => vc.current !== null, 5000, 'dispatch');
    await first.master.stop();

    const second = await setup(port, dataDir);
    await waitFor(() => second.rest.call<Worker>('GET', '/api/workers/vc'), (res) => res.body.connections === 1, 'reconnect');
    assert.deepEqual((await second.rest.call<Worker>('GET', '/api/workers/vc')).body.current_task_ids, [task.task_id]);
    vc.progress(6000, 'optimizing');
    vc.complete();
    const done = await waitFor(() => second.rest.task(task.task_id), (t) => t.status === 'completed', 'completion after restart');
    assert.equal(done.attempts, 1, 'the task was not run twice');
  });

  const badRequests: [string, unknown, number, RegExp][] = [
    ['no endpoint', {}, 400, /^endpoint: /],
    ['an endpoint that is not http', { endpoint: 'ftp://box:21' }, 400, /^endpoint: must be an http/],
    ['an endpoint nobody answers at', { endpoint: 'http://127.0.0.1:9' }, 502, /cannot reach http:\/\/127\.0\.0\.1:9\/health/],
    ['a LAN endpoint while the master is addressed as 127.0.0.1', { endpoint: 'http://192.168.1.20:5000' }, 400, /give master_url/],
  ];
  for (const [what, body, status, message] of badRequests) {
    test(`POST /api/workers with ${what} answers ${status} naming the problem`, async () => {
      const { rest } = await setup();
      const res = await rest.call<{ error: string }>('POST', '/api/workers', body);
      assert.equal(res.status, status);
      assert.match(res.body.error, message);
      assert.deepEqual((await rest.call<{ workers: Worker[] }>('GET', '/api/workers')).body.workers, []);
    });
  }

  test('a worker id that belongs to a hub worker is refused with 409', async () => {
    const { master, rest } = await setup();
    const { SimWorker } = await import('../helpers/sim-worker.js');
    const hubWorker = await SimWorker.start(master.hubUrl, 'taken');
    cleanups.push(() => hubWorker.close());
    const vc = await standIn();
    const res = await rest.call<{ error: string }>('POST', '/api/workers', { endpoint: vc.endpoint, worker_id: 'taken' });
    assert.equal(res.status, 409);
    assert.match(res.body.error, /already a hub worker/);
  });
});
