// The REST API's answers for good and bad input, metrics, and what the UI hears over the hub.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as signalR from '@microsoft/signalr';
import { UiEvents, UiMethods } from '../../common/hub-contract.js';
import type { Task, TaskEvent, Worker } from '../../common/task-types.js';
import { api } from '../helpers/api.js';
import { buildClient, until } from '../helpers/hub-server.js';
import { startTestMaster } from '../helpers/master.js';
import { SimWorker } from '../helpers/sim-worker.js';

describe('REST API', () => {
  let master: Awaited<ReturnType<typeof startTestMaster>>;
  let rest: ReturnType<typeof api>;
  before(async () => {
    master = await startTestMaster();
    rest = api(master.url);
    await rest.call('POST', '/api/queue/pause');
  });
  after(() => master.stop());

  test('POST /api/tasks answers 201 with the task and its defaults', async () => {
    const res = await rest.call<Task>('POST', '/api/tasks', { video_path: 'C:\\Videos\\talk.mp4', language: '英语', target_language: 'zh', priority: 2 });
    assert.equal(res.status, 201);
    assert.equal(res.body.status, 'queued');
    assert.equal(res.body.state, 'queued');
    assert.equal(res.body.raw_subtitle_path, 'C:\\Videos\\talk.srt', 'Windows paths keep their style');
    assert.equal(res.body.translated_subtitle_path, 'C:\\Videos\\talk.zh.srt');
    assert.equal(res.body.language, '英语');
    assert.equal(res.body.priority, 2);
    assert.equal(res.body.attempts, 0);
    assert.ok(Number.isInteger(res.body.task_id));
    assert.ok(!Number.isNaN(Date.parse(res.body.created_at)));
  });

  const badBodies: [string, unknown, RegExp][] = [
    ['no body', undefined, /request body is missing/],
    ['not JSON', '{"video_path": ', /not valid JSON/],
    ['missing video_path', {}, /^video_path: /],
    ['video_path not a string', { video_path: 42 }, /^video_path: .*expected string/],
    ['relative video_path', { video_path: 'movie.mp4' }, /^video_path: must be an absolute path/],
    ['priority not an integer', { video_path: '/v.mp4', priority: 1.5 }, /^priority: .*expected int/],
    ['empty language', { video_path: '/v.mp4', language: ' ' }, /^language: /],
    ['unknown field', { video_path: '/v.mp4', videopath: '/x' }, /unknown field\(s\): videopath/],
  ];
  for (const [what, body, message] of badBodies) {
    test(`POST /api/tasks with ${what} answers 400 naming the problem`, async () => {
      const before = (await rest.call<{ total: number }>('GET', '/api/tasks')).body.total;
      const res = await rest.call<{ error: string }>('POST', '/api/tasks', body);
      assert.equal(res.status, 400);
      assert.match(res.body.error, message);
      assert.equal((await rest.call<{ total: number }>('GET', '/api/tasks')).body.total, before, 'nothing was stored');
    });
  }

  test('POST /api/tasks with {"tasks": [...]} enqueues them all, in order, with their defaults', async () => {
    const res = await rest.call<{ tasks: Task[] }>('POST', '/api/tasks', {
      tasks: [{ video_path: '/batch/a.mp4' }, { video_path: '/batch/b.mkv', target_language: 'en', priority: 1 }, { video_path: 'D:\\clips\\c.mp4' }],
    });
    assert.equal(res.status, 201);
    assert.deepEqual(res.body.tasks.map((t) => [t.video_path, t.raw_subtitle_path, t.translated_subtitle_path, t.priority, t.status]), [
      ['/batch/a.mp4', '/batch/a.srt', null, 0, 'queued'],
      ['/batch/b.mkv', '/batch/b.srt', '/batch/b.en.srt', 1, 'queued'],
      ['D:\\clips\\c.mp4', 'D:\\clips\\c.srt', null, 0, 'queued'],
    ]);
    const ids = res.body.tasks.map((t) => t.task_id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids follow the order of the request');
    for (const task of res.body.tasks) assert.deepEqual(await rest.task(task.task_id), task);
  });

  const badBatches: [string, unknown, RegExp][] = [
    ['an empty list', { tasks: [] }, /^tasks: must hold at least one task/],
    ['tasks not a list', { tasks: { video_path: '/v.mp4' } }, /^tasks: .*expected array/],
    ['one bad task among good ones', { tasks: [{ video_path: '/ok/1.mp4' }, { video_path: '/ok/2.mp4' }, { video_path: 'relative.mp4' }] }, /^tasks\[2\]\.video_path: must be an absolute path/],
    ['an unknown field in a task', { tasks: [{ video_path: '/ok/1.mp4', prio: 3 }] }, /unknown field\(s\): prio/],
    ['too many tasks', { tasks: Array.from({ length: 1001 }, (_, i) => ({ video_path: `/many/${i}.mp4` })) }, /^tasks: must hold at most 1000 tasks per request/],
  ];
  for (const [what, body, message] of badBatches) {
    test(`POST /api/tasks with a batch of ${what} answers 400 and stores none of it`, async () => {
      const before = (await rest.call<{ total: number }>('GET', '/api/tasks')).body.total;
      const res = await rest.call<{ error: string }>('POST', '/api/tasks', body);
      assert.equal(res.status, 400);
      assert.match(res.body.error, message);
      assert.equal((await rest.call<{ total: number }>('GET', '/api/tasks')).body.total, before, 'nothing was stored');
    });
  }

  test('GET /api/tasks filters by status and pages, newest first', async () => {
    const created: Task[] = [];
    for (let i = 0; i < 5; i++) created.push(await rest.createTask({ video_path: `/page/${i}.mp4` }));
    await rest.call('DELETE', `/api/tasks/${created[4]!.task_id}`);
    const page = await rest.call<{ tasks: Task[]; total: number; limit: number; offset: number }>('GET', '/api/tasks?status=queued&limit=2&offset=1');
    assert.equal(page.status, 200);
    assert.equal(page.body.limit, 2);
    assert.equal(page.body.offset, 1);
    assert.ok(page.body.total >= 4);
    assert.deepEqual(page.body.tasks.map((t) => t.task_id), [created[2]!.task_id, created[1]!.task_id]);
    const cancelled = await rest.call<{ tasks: Task[] }>('GET', '/api/tasks?status=cancelled');
    assert.ok(cancelled.body.tasks.some((t) => t.task_id === created[4]!.task_id));
    assert.equal((await rest.call('GET', '/api/tasks?status=sleeping')).status, 400);
    assert.equal((await rest.call('GET', '/api/tasks?limit=0')).status, 400);
    assert.equal((await rest.call('GET', '/api/tasks?limit=501')).status, 400);
  });

  test('unknown ids are 404, malformed ids 400, retry of an unfinished task 409', async () => {
    assert.equal((await rest.call('GET', '/api/tasks/424242')).status, 404);
    assert.equal((await rest.call('GET', '/api/tasks/abc')).status, 400);
    assert.equal((await rest.call('GET', '/api/workers/nobody')).status, 404);
    assert.equal((await rest.call('GET', '/api/nothing-here')).status, 404);
    const task = await rest.createTask({ video_path: '/r/1.mp4' });
    assert.equal((await rest.call('POST', `/api/tasks/${task.task_id}/retry`)).status, 409);
    await rest.call('DELETE', `/api/tasks/${task.task_id}`);
    const retried = await rest.call<Task>('POST', `/api/tasks/${task.task_id}/retry`);
    assert.equal(retried.status, 200);
    assert.equal(retried.body.status, 'queued');
    const events = (await rest.call<{ events: TaskEvent[] }>('GET', `/api/tasks/${task.task_id}/events`)).body.events;
    assert.deepEqual(events.map((e) => e.kind), ['queued', 'cancelled', 'queued']);
  });
});

describe('metrics and the UI feed', () => {
  test('JSON and Prometheus metrics count workers, queue, durations, failures and retries', async () => {
    const master = await startTestMaster();
    const rest = api(master.url);
    const worker = await SimWorker.start(master.hubUrl, 'metered');
    try {
      const ok = await rest.createTask({ video_path: '/m/ok.mp4' });
      await worker.nextTask();
      await worker.complete(ok.task_id);
      const bad = await rest.createTask({ video_path: '/m/bad.mp4' });
      await worker.nextTask();
      await worker.fail(bad.task_id, 'boom');
      await worker.nextTask();
      await rest.call('POST', '/api/queue/pause');
      await rest.createTask({ video_path: '/m/waiting.mp4' });

      const m = (await rest.call<Record<string, unknown>>('GET', '/api/metrics')).body;
      assert.equal(m.workers_online, 1);
      assert.equal(m.queue_length, 1);
      assert.equal(m.retry_count, 1);
      assert.equal(m.worker_failure_rate, 0.5);
      assert.equal(m.mean_task_duration_samples, 1);
      assert.equal(typeof m.mean_task_duration_s, 'number');
      assert.equal(m.paused, true);

      const text = await (await fetch(`${master.url}/metrics`)).text();
      assert.match(text, /^# TYPE captionhub_workers_online gauge$/m);
      assert.match(text, /^captionhub_workers_online 1$/m);
      assert.match(text, /^captionhub_queue_length 1$/m);
      assert.match(text, /^captionhub_tasks\{status="processing"\} 1$/m);
      assert.match(text, /^captionhub_task_retries_total 1$/m);
      assert.match(text, /^captionhub_worker_failure_ratio\{worker="metered"\} 0\.5$/m);
      assert.match(text, /^captionhub_task_duration_seconds_mean \d/m);
    } finally {
      await worker.close();
      await master.stop();
    }
  });

  test('a UI client subscribed over the hub hears task and worker changes', async () => {
    const master = await startTestMaster();
    const rest = api(master.url);
    const ui = buildClient(master.hubUrl);
    const tasks: Task[] = [];
    const workers: Worker[] = [];
    ui.on(UiEvents.TaskUpdated, (task: Task) => tasks.push(task));
    ui.on(UiEvents.WorkerUpdated, (worker: Worker) => workers.push(worker));
    await ui.start();
    await ui.invoke(UiMethods.SubscribeUi);
    const worker = await SimWorker.start(master.hubUrl, 'watched');
    try {
      const task = await rest.createTask({ video_path: '/ui/a.mp4' });
      await worker.nextTask();
      await worker.progress(task.task_id, 5000, 'optimizing');
      await worker.complete(task.task_id);
      await until(() => tasks.some((t) => t.status === 'completed'), 3000, 'completed push');
      assert.deepEqual(
        [...new Set(tasks.map((t) => `${t.status}/${t.state}`))],
        ['queued/queued', 'processing/queued', 'processing/optimizing', 'completed/completed'],
      );
      await until(() => workers.some((w) => w.worker_id === 'watched' && w.current_task_ids.length === 0 && w.status === 'idle'), 3000, 'idle worker push');
      assert.ok(workers.some((w) => w.worker_id === 'watched' && w.status === 'busy'), 'the worker was shown busy while it ran the task');
    } finally {
      await worker.close();
      await ui.stop();
      await master.stop();
    }
  });

  test('with a token configured, the API and the hub both require it', async () => {
    const master = await startTestMaster({ token: 's3cret' });
    try {
      assert.equal((await fetch(`${master.url}/api/tasks`)).status, 401);
      assert.equal((await fetch(`${master.url}/api/tasks`, { headers: { Authorization: 'Bearer nope' } })).status, 401);
      assert.equal((await fetch(`${master.url}/api/tasks`, { headers: { Authorization: 'Bearer s3cret' } })).status, 200);
      assert.equal((await fetch(`${master.url}/api/tasks?access_token=s3cret`)).status, 200);
      assert.equal((await fetch(`${master.url}/health`)).status, 200, 'health stays open for probes');
      await assert.rejects(SimWorker.start(master.hubUrl, 'intruder'), /401/);
      const worker = await SimWorker.start(master.hubUrl, 'member', { accessToken: 's3cret' });
      await worker.close();
      const client = new signalR.HubConnectionBuilder().withUrl(master.hubUrl).configureLogging(signalR.LogLevel.None).build();
      await assert.rejects(client.start(), /401/);
    } finally {
      await master.stop();
    }
  });
});
