// The worker's REST API (the VideoCaptioner worker's): pointing it at a master and away again,
// its status, and tasks given to it directly, sharing its one slot with the master's work.
// The runner is a controllable stand-in for the engine (the engine's own tests cover it), so the
// test decides when work progresses and ends; master and HTTP are real.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { silentLogger } from '../../common/logger.js';
import type { Worker, WorkingState } from '../../common/task-types.js';
import type { StartedTask, TaskRunner } from '../../worker/client.js';
import { createWorkerHost, type WorkerHost } from '../../worker/main.js';
import { api } from '../helpers/api.js';
import { sleep, until, untilValue } from '../helpers/hub-server.js';
import { startTestMaster } from '../helpers/master.js';

class Cancelled extends Error {}

/** Work that runs until the test ends it; runs are found by their video (REST and master ids overlap). */
class HeldRunner implements TaskRunner {
  readonly runs = new Map<string, { task: StartedTask; finish(): void; fail(message: string): void; report(progress: number, state: WorkingState): void }>();
  run(task: StartedTask, signal: AbortSignal, report: (progress: number, state: WorkingState) => void) {
    return new Promise<{ rawSubtitlePath: string; translatedSubtitlePath: string }>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Cancelled('stopped')));
      this.runs.set(task.videoPath, {
        task,
        finish: () => resolve({ rawSubtitlePath: task.rawSubtitlePath, translatedSubtitlePath: task.translatedSubtitlePath }),
        fail: (message) => reject(new Error(message)),
        report,
      });
    });
  }
  isCancellation(error: unknown): boolean {
    return error instanceof Cancelled;
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function worker(masterUrl: string | null = null) {
  const runner = new HeldRunner();
  const host: WorkerHost = await createWorkerHost(
    runner,
    { workerId: 'box', capabilities: { gpu_available: false, concurrent_tasks: 1 }, masterUrl, rest: { host: '127.0.0.1', port: 0, setMasterWaitMs: 3000 } },
    silentLogger,
  );
  cleanups.push(() => host.stop());
  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${host.rest!.url}${path}`, {
      method,
      ...(body !== undefined && { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  return { host, runner, call };
}

async function testMaster() {
  const master = await startTestMaster();
  cleanups.push(() => master.stop());
  return { master, rest: api(master.url) };
}

describe('worker REST API', () => {
  test('standalone: tasks started over REST run one at a time, report progress, stop, and finish', async () => {
    const { runner, call } = await worker();
    assert.deepEqual((await call('GET', '/health')).body, { success: true, status: 'healthy' });
    assert.deepEqual((await call('GET', '/status')).body, { success: true, worker_id: 'box', is_connected: false, master_url: null, status: 'idle', current_task: null, master_task_ids: [] });

    const bad = await call('POST', '/api/rpc/start-subtitize', { video_path: 'clip.mp4' });
    assert.deepEqual([bad.body.success, bad.body.task_id], [false, -2]);
    assert.match(String(bad.body.message), /^video_path: must be an absolute path/);

    const first = await call('POST', '/api/rpc/start-subtitize', { video_path: '/v/one.mp4', language: 'English' });
    assert.deepEqual(first.body, { success: true, task_id: 1, message: 'started' });
    assert.equal((await call('POST', '/api/rpc/start-subtitize', { video_path: '/v/two.mp4' })).body.task_id, -1, 'busy');
    await until(() => runner.runs.has('/v/one.mp4'), 3000, 'the run');
    assert.equal(runner.runs.get('/v/one.mp4')!.task.rawSubtitlePath, '/v/one.srt', 'subtitles next to the video by default');
    runner.runs.get('/v/one.mp4')!.report(2500, 'transcribing');
    const busy = (await call<{ status: string; current_task: { task_id: number; progress: number; state: string; language: string } }>('GET', '/api/rpc/get-status')).body;
    assert.equal(busy.status, 'busy');
    assert.deepEqual([busy.current_task.task_id, busy.current_task.progress, busy.current_task.state, busy.current_task.language], [1, 2500, 'transcribing', 'English']);

    assert.equal((await call('POST', '/api/rpc/stop-subtitize', { task_id: 7 })).body.success, false);
    assert.equal((await call('POST', '/api/rpc/stop-subtitize', { task_id: 1 })).body.success, true);
    const stopped = await waitForStatus(call, (s) => s.status === 'idle');
    assert.equal(stopped.last_task?.outcome, 'cancelled');

    assert.equal((await call('POST', '/api/rpc/start-subtitize', { video_path: '/v/three.mp4' })).body.task_id, 2);
    await until(() => runner.runs.has('/v/three.mp4'), 3000, 'the second run');
    runner.runs.get('/v/three.mp4')!.finish();
    const done = await waitForStatus(call, (s) => s.status === 'idle');
    assert.deepEqual([done.last_task?.task_id, done.last_task?.outcome, done.last_task?.progress], [2, 'completed', 10000]);
  });

  test('/set-master joins a master, whose work then holds the slot; /disconnect-master leaves it', async () => {
    const { rest, master } = await testMaster();
    const { runner, call } = await worker();
    const joined = await call('GET', `/set-master?url=${encodeURIComponent(master.hubUrl)}`);
    assert.deepEqual(joined.body, { success: true, message: `connected to the master: ${master.hubUrl}`, master_url: master.hubUrl });
    const status = (await call('GET', '/status')).body;
    assert.deepEqual([status.is_connected, status.master_url], [true, master.hubUrl]);

    const task = await rest.createTask({ video_path: '/v/from-master.mp4' });
    await until(() => runner.runs.has('/v/from-master.mp4'), 5000, 'the master task runs');
    assert.equal((await call('POST', '/api/rpc/start-subtitize', { video_path: '/v/x.mp4' })).body.task_id, -1, "the master's task holds the slot");
    const refused = await call('GET', `/set-master?url=${encodeURIComponent('http://127.0.0.1:9/signalrhub')}`);
    assert.equal(refused.status, 409);
    assert.match(String(refused.body.message), new RegExp(`cannot switch masters while task ${task.task_id} of .* is running or not yet reported`));
    assert.deepEqual((await call('GET', '/status')).body.master_task_ids, [task.task_id]);

    runner.runs.get('/v/from-master.mp4')!.finish();
    await untilValue(() => rest.task(task.task_id), (t) => t.status === 'completed', 'completed');
    assert.equal((await call('POST', '/disconnect-master')).body.success, true);
    await untilValue(() => rest.call<Worker>('GET', '/api/workers/box'), (res) => res.body.connections === 0, 'the worker left');
    assert.equal((await call('GET', '/status')).body.is_connected, false);
  });

  test('busy with a task of its own when it joins, or while joined: the master gives it none until it is done', async () => {
    const { rest, master } = await testMaster();
    const { runner, call } = await worker();
    const queued = await rest.createTask({ video_path: '/v/queued.mp4' });
    assert.equal((await call('POST', '/api/rpc/start-subtitize', { video_path: '/v/own.mp4' })).body.task_id, 1);
    assert.equal((await call('GET', `/set-master?url=${encodeURIComponent(master.hubUrl)}`)).body.success, true);
    await untilValue(() => rest.call<Worker>('GET', '/api/workers/box'), (res) => res.body.status === 'busy', 'busy at the master');
    await sleep(300);
    assert.equal((await rest.task(queued.task_id)).status, 'queued');
    runner.runs.get('/v/own.mp4')!.finish();
    await until(() => runner.runs.has('/v/queued.mp4'), 5000, 'the master task after the own one');
    const events = (await rest.call<{ events: { kind: string }[] }>('GET', `/api/tasks/${queued.task_id}/events`)).body.events;
    assert.deepEqual(events.map((e) => e.kind), ['queued', 'assigned'], 'never offered while busy, so never refused');

    runner.runs.get('/v/queued.mp4')!.finish();
    await untilValue(() => rest.task(queued.task_id), (t) => t.status === 'completed', 'completed');
    assert.equal((await call('POST', '/api/rpc/start-subtitize', { video_path: '/v/own2.mp4' })).body.task_id, 2);
    const next = await rest.createTask({ video_path: '/v/next.mp4' });
    await untilValue(() => rest.call<Worker>('GET', '/api/workers/box'), (res) => res.body.status === 'busy', 'busy again');
    await sleep(200);
    assert.equal((await rest.task(next.task_id)).status, 'queued');
  });

  test('with its master down, it still serves REST and works standalone', async () => {
    const { call } = await worker('http://127.0.0.1:9/signalrhub');
    assert.equal((await call('GET', '/health')).body.status, 'healthy');
    assert.equal((await call('POST', '/api/rpc/start-subtitize', { video_path: '/v/alone.mp4' })).body.task_id, 1);
    assert.equal((await call('GET', '/status')).body.is_connected, false);
  });

  test('/disconnect-master while /set-master still waits: the join is called off and said so', async () => {
    const { call } = await worker();
    const joining = call('GET', `/set-master?url=${encodeURIComponent('http://127.0.0.1:9/signalrhub')}`);
    await sleep(300);
    assert.equal((await call('POST', '/disconnect-master')).body.success, true);
    assert.equal((await joining).body.success, false);
    const status = (await call('GET', '/status')).body;
    assert.deepEqual([status.is_connected, status.master_url], [false, null]);
  });

  test('/set-master to a master that is not there says so, and keeps trying', async () => {
    const { call } = await worker();
    const answer = await call('GET', `/set-master?url=${encodeURIComponent('http://127.0.0.1:9/signalrhub')}`);
    assert.equal(answer.body.success, false);
    assert.match(String(answer.body.message), /could not reach http:\/\/127\.0\.0\.1:9\/signalrhub within 3 s; still trying/);
    assert.equal((await call('GET', '/status')).body.master_url, 'http://127.0.0.1:9/signalrhub');
    assert.equal((await call('GET', '/set-master?url=ftp://x')).status, 400);
  });
});

type RpcStatus = { status: string; last_task: { task_id: number; outcome: string; progress: number } | null };
async function waitForStatus(call: (method: string, path: string) => Promise<{ body: unknown }>, check: (s: RpcStatus) => boolean): Promise<RpcStatus> {
  return untilValue(async () => (await call('GET', '/api/rpc/get-status')).body as RpcStatus, check, 'worker status');
}
