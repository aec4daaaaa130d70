// kill -9 of the master and a restart on the same data folder: nothing accepted is lost.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Task } from '../../common/task-types.js';
import { api } from '../helpers/api.js';
import { sleep, until } from '../helpers/hub-server.js';
import { freePort, runCli, type CliProcess } from '../helpers/process.js';
import { SimWorker } from '../helpers/sim-worker.js';

test('after SIGKILL and a restart: queued tasks stay queued, a returning worker keeps its task, a lost one gives it back', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'captionhub-durable-'));
  const configFile = join(dataDir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ scheduler: { max_retries: 3, task_timeout: 3600, worker_timeout: 1.5 } }));
  const port = await freePort();
  const start = async (): Promise<CliProcess> => {
    const cli = runCli(['master', '--port', String(port), '--data', dataDir, '--config', configFile]);
    await cli.waitFor(/listening on/);
    return cli;
  };
  const rest = api(`http://127.0.0.1:${port}`);
  const hubUrl = `http://127.0.0.1:${port}/signalrhub`;
  const reconnectDelays = Array.from({ length: 60 }, () => 250);
  let master = await start();
  let keeper: SimWorker | undefined;
  let lost: SimWorker | undefined;
  try {
    // Idle JS clients ping every keepAliveInterval (15 s by default): well under worker_timeout here.
    keeper = await SimWorker.start(hubUrl, 'keeper', { reconnectDelays, keepAliveIntervalMs: 100, runningTasks: () => [kept.task_id] });
    const kept = await rest.createTask({ video_path: '/v/kept.mp4' });
    await keeper.nextTask();
    await keeper.progress(kept.task_id, 3000, 'transcribing');

    lost = await SimWorker.start(hubUrl, 'lost');
    const orphan = await rest.createTask({ video_path: '/v/orphan.mp4' });
    await lost.nextTask();
    const queued = [await rest.createTask({ video_path: '/v/q1.mp4' }), await rest.createTask({ video_path: '/v/q2.mp4', priority: 1 })];

    master.child.kill('SIGKILL');
    assert.equal((await master.exited).signal, 'SIGKILL');
    await lost.close();
    master = await start();

    // Right after the restart everything is where it was.
    const listing = (await rest.call<{ tasks: Task[]; total: number }>('GET', '/api/tasks?limit=10')).body;
    assert.equal(listing.total, 4, 'no accepted task was lost');
    for (const q of queued) assert.equal((await rest.task(q.task_id)).status, 'queued');
    const afterRestart = await rest.task(kept.task_id);
    assert.equal(afterRestart.status, 'processing');
    assert.equal(afterRestart.progress, 3000);

    // The keeper reconnects by itself and reports the task it still runs.
    await until(() => keeper!.connection.state === 'Connected', 10_000, 'keeper reconnect');
    await sleep(2500);
    const stillKept = await rest.task(kept.task_id);
    assert.equal(stillKept.status, 'processing');
    assert.equal(stillKept.worker_id, 'keeper');
    assert.equal(stillKept.attempts, 1, 'the task continued: no new attempt');

    // The lost worker never came back: after worker_timeout its task is queued again.
    const returned = await rest.task(orphan.task_id);
    assert.equal(returned.status, 'queued');
    assert.match(returned.error ?? '', /worker lost went offline/);

    await keeper.complete(kept.task_id);
    assert.equal((await rest.task(kept.task_id)).status, 'completed');
    // Then the queue drains in order: the higher priority first, then the oldest.
    const order: number[] = [];
    for (let i = 0; i < 3; i++) {
      const next = await keeper.nextTask(10_000);
      order.push(next.taskId);
      await keeper.complete(next.taskId);
    }
    assert.deepEqual(order, [queued[1]!.task_id, orphan.task_id, queued[0]!.task_id]);
  } finally {
    await keeper?.close();
    master.child.kill('SIGKILL');
    await master.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
});
