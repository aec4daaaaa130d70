// The scheduler end to end: a real master, real SQLite, simulated workers on real SignalR connections.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, test } from 'node:test';
import type { Task, TaskEvent } from '../../common/task-types.js';
import type { MasterConfig } from '../../electron/master/config.js';
import { api } from '../helpers/api.js';
import { sleep, until, untilValue } from '../helpers/hub-server.js';
import { startTestMaster } from '../helpers/master.js';
import { SimWorker, type SimWorkerOptions } from '../helpers/sim-worker.js';

type TestMaster = Awaited<ReturnType<typeof startTestMaster>>;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function setup(scheduler: Partial<MasterConfig['scheduler']> = {}) {
  const master = await startTestMaster({ scheduler: { maxRetries: 3, taskTimeout: 3600, workerTimeout: 60, ...scheduler } }, { refusalCooldownMs: 200 });
  cleanups.push(() => master.stop());
  const rest = api(master.url);
  const worker = async (id: string, options: SimWorkerOptions = {}) => {
    const w = await SimWorker.start(master.hubUrl, id, { keepAliveIntervalMs: 100, ...options });
    cleanups.push(() => w.close());
    return w;
  };
  const waitForTask = (id: number, check: (t: Task) => boolean, what: string, timeoutMs = 5000) =>
    untilValue(() => rest.task(id), check, `task ${id} ${what}`, timeoutMs);
  return { master, rest, worker, waitForTask };
}

async function events(master: TestMaster, taskId: number): Promise<TaskEvent[]> {
  return ((await (await fetch(`${master.url}/api/tasks/${taskId}/events`)).json()) as { events: TaskEvent[] }).events;
}

describe('scheduler', () => {
  test('dispatches with StartSubtitize, records progress, completes, and keeps a timeline', async () => {
    const { master, rest, worker, waitForTask } = await setup();
    const w = await worker('w1');
    const created = await rest.createTask({ video_path: '/media/show/ep1.mkv', target_language: 'en' });
    assert.equal(created.status, 'queued');
    assert.equal(created.raw_subtitle_path, '/media/show/ep1.srt');
    assert.equal(created.translated_subtitle_path, '/media/show/ep1.en.srt');

    const started = await w.nextTask();
    assert.deepEqual(started, {
      taskId: created.task_id,
      videoPath: '/media/show/ep1.mkv',
      rawSubtitlePath: '/media/show/ep1.srt',
      translatedSubtitlePath: '/media/show/ep1.en.srt',
      language: 'Auto',
    });
    const running = await waitForTask(created.task_id, (t) => t.status === 'processing', 'processing');
    assert.equal(running.worker_id, 'w1');
    assert.equal(running.attempts, 1);
    assert.ok(running.started_at);

    await w.progress(created.task_id, 2600, 'transcribing');
    const mid = await rest.task(created.task_id);
    assert.equal(mid.progress, 2600, 'the acknowledgement came after the write');
    assert.equal(mid.state, 'transcribing');
    await w.progress(created.task_id, 8000, 'translating');
    await w.complete(created.task_id, '/media/show/ep1.srt', '/media/show/ep1.en.srt');
    const done = await rest.task(created.task_id);
    assert.equal(done.status, 'completed');
    assert.equal(done.state, 'completed');
    assert.equal(done.progress, 10000);
    assert.ok(done.finished_at);

    const kinds = (await events(master, created.task_id)).map((e) => e.kind);
    assert.deepEqual(kinds, ['queued', 'assigned', 'progress', 'progress', 'completed']);
    const worker1 = (await rest.call<{ status: string; current_task_ids: number[] }>('GET', '/api/workers/w1')).body;
    assert.equal(worker1.status, 'idle');
    assert.deepEqual(worker1.current_task_ids, []);
  });

  test('priority first, then first come first served', async () => {
    const { rest, worker } = await setup();
    await rest.call('POST', '/api/queue/pause');
    const low = await rest.createTask({ video_path: '/v/low.mp4', priority: -1 });
    const a = await rest.createTask({ video_path: '/v/a.mp4' });
    const urgent = await rest.createTask({ video_path: '/v/urgent.mp4', priority: 5 });
    const b = await rest.createTask({ video_path: '/v/b.mp4' });
    const w = await worker('w1');
    await sleep(100);
    assert.equal(w.started.length, 0, 'nothing goes out while paused');
    await rest.call('POST', '/api/queue/resume');
    const order: number[] = [];
    for (let i = 0; i < 4; i++) {
      const task = await w.nextTask(5000, i);
      order.push(task.taskId);
      await w.complete(task.taskId);
    }
    assert.deepEqual(order, [urgent.task_id, a.task_id, b.task_id, low.task_id]);
  });

  test('respects concurrent_tasks and prefers GPU workers', async () => {
    const { rest, worker } = await setup();
    const cpu = await worker('cpu', { capabilities: { gpu_available: false, concurrent_tasks: 1 } });
    const gpu = await worker('gpu', { capabilities: { gpu_available: true, concurrent_tasks: 2 } });
    const tasks = [];
    for (let i = 0; i < 4; i++) tasks.push(await rest.createTask({ video_path: `/v/${i}.mp4` }));
    await until(() => gpu.started.length === 2 && cpu.started.length === 1, 5000, 'three dispatches');
    assert.deepEqual(gpu.started.map((t) => t.taskId), [tasks[0]!.task_id, tasks[1]!.task_id], 'the GPU worker is served first, up to its two slots');
    assert.deepEqual(cpu.started.map((t) => t.taskId), [tasks[2]!.task_id]);
    await sleep(100);
    assert.equal(gpu.started.length + cpu.started.length, 3, 'the fourth waits for a free slot');
    await gpu.complete(tasks[0]!.task_id);
    await until(() => gpu.started.length === 3, 5000, 'the freed GPU slot');
    assert.equal(gpu.started[2]!.taskId, tasks[3]!.task_id);
  });

  test('a task failed three times is failed with the last error, each retry on another worker when one is free', async () => {
    const { master, rest, worker, waitForTask } = await setup({ maxRetries: 3 });
    const a = await worker('a');
    const b = await worker('b');
    const task = await rest.createTask({ video_path: '/v/broken.mp4' });
    const holders: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const running = await waitForTask(task.task_id, (t) => t.status === 'processing' && t.attempts === attempt, `attempt ${attempt}`);
      holders.push(running.worker_id!);
      const holder = running.worker_id === 'a' ? a : b;
      await holder.fail(task.task_id, `decoder error #${attempt}`);
    }
    const failed = await rest.task(task.task_id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error, 'decoder error #3');
    assert.equal(failed.attempts, 3);
    assert.notEqual(holders[0], holders[1], 'the retry went to the other worker');
    const kinds = (await events(master, task.task_id)).map((e) => e.kind);
    assert.equal(kinds.filter((k) => k === 'retried').length, 2);
    assert.equal(kinds.at(-1), 'failed');
  });

  test('a worker dropped mid-task: after worker_timeout its task goes to another worker', async () => {
    const { rest, worker, waitForTask } = await setup({ workerTimeout: 0.5 });
    const doomed = await worker('doomed');
    const task = await rest.createTask({ video_path: '/v/x.mp4' });
    await doomed.nextTask();
    await doomed.progress(task.task_id, 1000, 'transcribing');
    const survivor = await worker('survivor');
    await doomed.close();
    const started = await survivor.nextTask(5000);
    assert.equal(started.taskId, task.task_id);
    const moved = await waitForTask(task.task_id, (t) => t.worker_id === 'survivor', 'moved');
    assert.equal(moved.attempts, 2);
    assert.match(moved.error ?? '', /worker doomed went offline/);
    const workers = (await rest.call<{ workers: { worker_id: string; status: string }[] }>('GET', '/api/workers')).body.workers;
    assert.equal(workers.find((w) => w.worker_id === 'doomed')?.status, 'offline');
  });

  test('an idle worker on long polling (which never pings) stays online past worker_timeout', async () => {
    const { rest, worker } = await setup({ workerTimeout: 0.6 });
    const poller = await worker('poller', { transport: 'LongPolling' });
    await sleep(2000);
    const me = (await rest.call<{ status: string }>('GET', '/api/workers/poller')).body;
    assert.equal(me.status, 'idle');
    const task = await rest.createTask({ video_path: '/v/lp.mp4' });
    assert.equal((await poller.nextTask()).taskId, task.task_id);
  });

  test('a worker that reconnects within worker_timeout keeps its task', async () => {
    const { rest, worker, waitForTask } = await setup({ workerTimeout: 2 });
    const first = await worker('steady');
    const task = await rest.createTask({ video_path: '/v/y.mp4' });
    await first.nextTask();
    await first.close();
    await sleep(300);
    // Same worker id, new connection, reporting what it still runs.
    const again = await worker('steady', { capabilities: { current_task_ids: [task.task_id] } });
    await sleep(2500);
    const still = await waitForTask(task.task_id, (t) => t.status === 'processing', 'processing');
    assert.equal(still.worker_id, 'steady');
    assert.equal(still.attempts, 1, 'no retry was counted');
    await again.complete(task.task_id);
    assert.equal((await rest.task(task.task_id)).status, 'completed');
  });

  test('task timeout: StopSubtitize goes to the worker, then retry, then failure', async () => {
    const { rest, worker, waitForTask } = await setup({ taskTimeout: 0.4, maxRetries: 2 });
    const w = await worker('slow');
    const task = await rest.createTask({ video_path: '/v/long.mp4' });
    await w.nextTask();
    await until(() => w.stopped.includes(task.task_id), 5000, 'StopSubtitize');
    const failed = await waitForTask(task.task_id, (t) => t.status === 'failed', 'failed');
    assert.equal(failed.attempts, 2);
    assert.match(failed.error ?? '', /timed out after 0 s on slow|timed out after .* on slow/);
    assert.equal(w.started.length, 2);
  });

  test('cancel: queued at once, processing through StopSubtitize, finished refused with 409', async () => {
    const { rest, worker } = await setup();
    const w = await worker('w');
    const running = await rest.createTask({ video_path: '/v/1.mp4' });
    const waiting = await rest.createTask({ video_path: '/v/2.mp4' });
    await w.nextTask();
    const cancelWaiting = await rest.call<Task>('DELETE', `/api/tasks/${waiting.task_id}`);
    assert.equal(cancelWaiting.status, 200);
    assert.equal(cancelWaiting.body.status, 'cancelled');
    const cancelRunning = await rest.call<Task>('DELETE', `/api/tasks/${running.task_id}`);
    assert.equal(cancelRunning.body.status, 'cancelled');
    await until(() => w.stopped.includes(running.task_id), 5000, 'StopSubtitize');
    // A late completion from the worker is acknowledged and changes nothing.
    await w.complete(running.task_id);
    assert.equal((await rest.task(running.task_id)).status, 'cancelled');
    assert.equal((await rest.call('DELETE', `/api/tasks/${running.task_id}`)).status, 409);
    assert.equal((await rest.call('DELETE', '/api/tasks/9999')).status, 404);
    await sleep(100);
    assert.equal(w.started.length, 1, 'the cancelled queued task never went out');
  });

  test('completions and failures are idempotent; reports about tasks the caller does not hold are refused', async () => {
    const { rest, worker } = await setup();
    const w = await worker('owner');
    const other = await worker('other', { capabilities: { concurrent_tasks: 1 } });
    await rest.call('POST', '/api/queue/pause');
    const task = await rest.createTask({ video_path: '/v/z.mp4' });
    await assert.rejects(w.progress(task.task_id, 10, 'transcribing'), /Task \d+ is not assigned to worker 'owner'/);
    await other.status('busy');
    await rest.call('POST', '/api/queue/resume');
    await w.nextTask();
    await assert.rejects(other.complete(task.task_id), /is not assigned to worker 'other'/);
    await w.complete(task.task_id, '/out/first.srt');
    await w.complete(task.task_id, '/out/second.srt');
    await w.fail(task.task_id, 'too late');
    const done = await rest.task(task.task_id);
    assert.equal(done.status, 'completed');
    assert.equal(done.raw_subtitle_path, '/out/first.srt');
  });

  test('a refused dispatch is not an attempt; the task goes to a worker that accepts', async () => {
    const { rest, worker, waitForTask } = await setup();
    const picky = await worker('picky', { capabilities: { gpu_available: true }, answer: () => ({ accepted: false, reason: 'disk full' }) });
    const willing = await worker('willing');
    const task = await rest.createTask({ video_path: '/v/r.mp4' });
    const started = await willing.nextTask();
    assert.equal(started.taskId, task.task_id);
    const running = await waitForTask(task.task_id, (t) => t.worker_id === 'willing', 'on willing');
    assert.equal(running.attempts, 1);
    assert.equal(picky.started.length, 0);
  });

  test('pause and resume of dispatch survive in the queue state', async () => {
    const { rest, worker } = await setup();
    assert.deepEqual((await rest.call('POST', '/api/queue/pause')).body, { paused: true });
    const w = await worker('w');
    await rest.createTask({ video_path: '/v/p.mp4' });
    await sleep(150);
    assert.equal(w.started.length, 0);
    const queue = (await rest.call<{ paused: boolean; queued: number }>('GET', '/api/queue')).body;
    assert.equal(queue.paused, true);
    assert.equal(queue.queued, 1);
    await rest.call('POST', '/api/queue/resume');
    await w.nextTask();
  });

  test('a write that fails rolls its whole batch back, and the workers\' slots follow what is on disk', async () => {
    const { master, rest, worker, waitForTask } = await setup();
    const w1 = await worker('w1');
    const [first, second] = [await rest.createTask({ video_path: '/v/r1.mp4' }), await rest.createTask({ video_path: '/v/r2.mp4' })];
    await w1.nextTask();
    // A second connection to the same file stands in for a failing disk: handing out the second
    // task fails, in the same batch as the completion of the first that freed the slot.
    const db = new Database(join(master.dataDir, 'captionhub.db'));
    cleanups.push(async () => void db.close());
    db.exec(`CREATE TRIGGER refuse_dispatch BEFORE UPDATE OF status ON tasks WHEN NEW.status = 'processing' AND NEW.task_id = ${second!.task_id}
             BEGIN SELECT RAISE(ABORT, 'disk trouble'); END`);
    await assert.rejects(w1.complete(first!.task_id), /disk trouble|error/i);

    await sleep(100);
    assert.equal((await rest.task(first!.task_id)).status, 'processing', 'the completion went with the batch');
    assert.equal((await rest.task(second!.task_id)).status, 'queued');
    const listed = (await rest.call<{ current_task_ids: number[] }>('GET', '/api/workers/w1')).body;
    assert.deepEqual(listed.current_task_ids, [first!.task_id], 'w1 holds the first task again, and its slot with it');

    db.exec('DROP TRIGGER refuse_dispatch');
    await w1.complete(first!.task_id);
    await waitForTask(first!.task_id, (t) => t.status === 'completed', 'completed');
    assert.equal((await w1.nextTask()).taskId, second!.task_id, 'the freed slot takes the next task');
  });
});
