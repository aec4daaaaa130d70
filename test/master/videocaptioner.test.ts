// VideoCaptioner (Python) workers in the fleet: added by endpoint, told to connect with /set-master,
// given work over their REST API, heard through their one-object Subtitize* reports.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { Task, TaskEvent, Worker } from '../../common/task-types.js';
import { api } from '../helpers/api.js';
import { sleep, until, untilValue } from '../helpers/hub-server.js';
import { startTestMaster } from '../helpers/master.js';
import { freePort } from '../helpers/process.js';
import { SimWorker } from '../helpers/sim-worker.js';
import { VideoCaptionerStandIn } from '../helpers/videocaptioner-worker.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function setup(
  port = 0,
  dataDir?: string,
  extra: { workerTimeout?: number; token?: string; reattachIntervalMs?: number; requestTimeoutMs?: number } = {},
) {
  const master = await startTestMaster(
    { port, ...(dataDir && { dataDir }), ...(extra.token && { token: extra.token }), scheduler: { maxRetries: 2, taskTimeout: 3600, workerTimeout: extra.workerTimeout ?? 60 } },
    {
      refusalCooldownMs: 200,
      ...(extra.reattachIntervalMs && { reattachIntervalMs: extra.reattachIntervalMs }),
      ...(extra.requestTimeoutMs && { videoCaptionerTimeoutMs: extra.requestTimeoutMs }),
    },
  );
  cleanups.push(() => master.stop());
  return { master, rest: api(master.url, extra.token) };
}

async function standIn(options: Parameters<typeof VideoCaptionerStandIn.start>[0] = {}) {
  const worker = await VideoCaptionerStandIn.start({ reconnectDelaysMs: [0, 100, 200, 400, 800], ...options });
  cleanups.push(() => worker.stop());
  return worker;
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
    await untilValue(() => rest.task(task.task_id), (t) => t.progress === 3000 && t.state === 'transcribing', 'progress');
    vc.progress(8000, 'translating');
    await untilValue(() => rest.task(task.task_id), (t) => t.state === 'translating', 'translating');
    vc.complete();
    const done = await untilValue(() => rest.task(task.task_id), (t) => t.status === 'completed', 'completion');
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
    const task = await rest.createTask({ video_path: '/videos/next.mp4' });
    const added = await rest.call<Worker>('POST', '/api/workers', { endpoint: vc.endpoint });
    assert.equal(added.body.status, 'busy');
    await sleep(200);
    assert.equal((await rest.task(task.task_id)).status, 'queued');
    vc.complete();
    await until(() => vc.current?.video_path === '/videos/next.mp4', 5000, 'dispatch after the foreign task');
    const events = (await rest.call<{ events: TaskEvent[] }>('GET', `/api/tasks/${task.task_id}/events`)).body.events;
    assert.deepEqual(events.map((e) => e.kind), ['queued', 'assigned'], 'it was never offered the task while busy');
  });

  test('a start whose answer was lost is found running and taken up, not started twice', async () => {
    const { rest } = await setup(0, undefined, { requestTimeoutMs: 300 });
    const vc = await standIn({ startAnswerDelayMs: 1000 });
    await rest.call('POST', '/api/workers', { endpoint: vc.endpoint, worker_id: 'vc' });
    const task = await rest.createTask({ video_path: '/videos/slow-answer.mp4' });
    await untilValue(
      () => rest.call<{ events: TaskEvent[] }>('GET', `/api/tasks/${task.task_id}/events`),
      (res) => res.body.events.filter((e) => e.kind === 'assigned').length === 2,
      'a second dispatch after the lost answer',
    );
    assert.equal(vc.current?.task_id, 1, 'the worker still runs its first and only run');
    vc.progress(5000, 'transcribing');
    vc.complete();
    const done = await untilValue(() => rest.task(task.task_id), (t) => t.status === 'completed', 'completion');
    assert.equal(done.attempts, 1, 'the lost start was not counted as an attempt');
    const events = (await rest.call<{ events: TaskEvent[] }>('GET', `/api/tasks/${task.task_id}/events`)).body.events;
    assert.match(events.find((e) => e.kind === 'dispatch_failed')!.message, /did not take the task/);
  });

  test('a late report about a run that was stopped does not touch the task that runs now', async () => {
    const { rest } = await setup();
    const vc = await standIn();
    await rest.call('POST', '/api/workers', { endpoint: vc.endpoint, worker_id: 'vc' });
    const first = await rest.createTask({ video_path: '/videos/first.mp4' });
    await until(() => vc.current?.task_id === 1, 5000, 'first run');
    const stale = vc.current!;
    await rest.call('DELETE', `/api/tasks/${first.task_id}`);
    await until(() => vc.stopRequests.includes(1), 5000, 'stop');
    const second = await rest.createTask({ video_path: '/videos/second.mp4' });
    await until(() => vc.current?.task_id === 2, 5000, 'second run');
    // The stopped run's last words arrive after the next run started.
    const running = vc.current!;
    vc.current = stale;
    vc.progress(9000, 'translating');
    vc.fault('stopped by the master');
    vc.current = running;
    vc.progress(4000, 'transcribing');
    await untilValue(() => rest.task(second.task_id), (t) => t.progress === 4000, 'progress of the second run');
    const now = await rest.task(second.task_id);
    assert.equal(now.status, 'processing');
    assert.equal(now.attempts, 1);
    assert.equal(now.error, null);
  });

  test('a connection lost past worker_timeout: the task waits in the queue and goes back to the worker that still runs it', async () => {
    const { rest } = await setup(0, undefined, { workerTimeout: 1 });
    const vc = await standIn({ keepAliveMs: 100, reconnectDelaysMs: [1500, 1000, 1000] });
    await rest.call('POST', '/api/workers', { endpoint: vc.endpoint, worker_id: 'vc' });
    const task = await rest.createTask({ video_path: '/videos/net.mp4' });
    await until(() => vc.current !== null, 5000, 'dispatch');
    vc.dropConnection();
    await untilValue(() => rest.task(task.task_id), (t) => t.status === 'queued', 'requeued when the worker went offline');
    const back = await untilValue(() => rest.call<Worker>('GET', '/api/workers/vc'), (res) => res.body.connections === 1, 'reconnect');
    assert.deepEqual(back.body.current_task_ids, [task.task_id], 'it still runs the task: it keeps it');
    vc.complete();
    const done = await untilValue(() => rest.task(task.task_id), (t) => t.status === 'completed', 'completion');
    assert.equal(done.worker_id, 'vc');
    assert.equal((await rest.call<Worker>('GET', '/api/workers/vc')).body.status, 'idle');
    assert.equal(vc.stopRequests.length, 0);
  });

  test('a worker whose reconnect tries ran out is told where the hub is again', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'captionhub-vc-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const first = await setup(port, dataDir);
    const vc = await standIn({ reconnectDelaysMs: [20] });
    await first.rest.call('POST', '/api/workers', { endpoint: vc.endpoint, worker_id: 'vc' });
    await first.master.stop();
    await until(() => vc.gaveUp, 5000, 'the worker to give up');
    const second = await setup(port, dataDir, { reattachIntervalMs: 100 });
    await untilValue(() => second.rest.call<Worker>('GET', '/api/workers/vc'), (res) => res.body.connections === 1, 'reattached');
    const task = await second.rest.createTask({ video_path: '/videos/after.mp4' });
    await until(() => vc.current?.task_id === 1 && vc.current.video_path === task.video_path, 5000, 'dispatch after reattaching');
  });

  test('with a token, the worker is given a hub URL that carries it', async () => {
    const { rest } = await setup(0, undefined, { token: 's3cret' });
    const vc = await standIn();
    const added = await rest.call<Worker>('POST', '/api/workers', { endpoint: vc.endpoint });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const task = await rest.createTask({ video_path: '/videos/t.mp4' });
    await until(() => vc.current !== null, 5000, 'dispatch');
    vc.complete();
    await untilValue(() => rest.task(task.task_id), (t) => t.status === 'completed', 'completion');
  });

  test('a connection cannot pass itself off as a hub worker, nor a hub client as a VideoCaptioner worker', async () => {
    const { master, rest } = await setup();
    const hubWorker = await SimWorker.start(master.hubUrl, 'taken');
    cleanups.push(() => hubWorker.close());
    const vc = await standIn();
    // Pointed by hand at the hub with another worker's id in the URL.
    await fetch(`${vc.endpoint}/set-master?url=${encodeURIComponent(`${master.hubUrl}?captionhub_worker=taken`)}`);
    await until(() => vc.connected, 5000, 'connected');
    await sleep(100);
    const taken = (await rest.call<Worker>('GET', '/api/workers/taken')).body;
    assert.equal(taken.connections, 1);
    assert.equal(taken.capabilities.protocol, undefined);

    await rest.call('POST', '/api/workers', { endpoint: vc.endpoint, worker_id: 'vc' });
    const impostor = await SimWorker.start(master.hubUrl, 'other');
    cleanups.push(() => impostor.close());
    await assert.rejects(
      impostor.connection.invoke('RegisterWorker', 'vc', 'sim://vc', { protocol: 'videocaptioner' }),
      /belongs to a videocaptioner worker/,
    );
    assert.equal((await rest.call<Worker>('GET', '/api/workers/vc')).body.connections, 1);
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
    await untilValue(() => second.rest.call<Worker>('GET', '/api/workers/vc'), (res) => res.body.connections === 1, 'reconnect');
    assert.deepEqual((await second.rest.call<Worker>('GET', '/api/workers/vc')).body.current_task_ids, [task.task_id]);
    vc.progress(6000, 'optimizing');
    vc.complete();
    const done = await untilValue(() => second.rest.task(task.task_id), (t) => t.status === 'completed', 'completion after restart');
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
    const hubWorker = await SimWorker.start(master.hubUrl, 'taken');
    cleanups.push(() => hubWorker.close());
    const vc = await standIn();
    const res = await rest.call<{ error: string }>('POST', '/api/workers', { endpoint: vc.endpoint, worker_id: 'taken' });
    assert.equal(res.status, 409);
    assert.match(res.body.error, /already a hub worker/);
  });
});
