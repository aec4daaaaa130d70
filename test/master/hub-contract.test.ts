// The seed's worker-to-master methods on the master's hub: names and argument types as the spec.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkerMethods } from '../../common/hub-contract.js';
import { api } from '../helpers/api.js';
import { startTestMaster } from '../helpers/master.js';
import { SimWorker } from '../helpers/sim-worker.js';

describe('master hub contract', () => {
  let master: Awaited<ReturnType<typeof startTestMaster>>;
  let worker: SimWorker;
  before(async () => {
    master = await startTestMaster();
    worker = await SimWorker.start(master.hubUrl, 'worker-1');
  });
  after(async () => {
    await worker.close();
    await master.stop();
  });

  test('accepts well-typed calls to every seed method', async () => {
    const rest = api(master.url);
    await worker.connection.invoke(WorkerMethods.RegisterWorker, 'worker-1', 'http://worker1:5000', { gpu_available: true, concurrent_tasks: 2 });
    await worker.status('idle');
    await worker.status({ status: 'idle', capabilities: { gpu_available: true } });
    const first = await rest.createTask({ video_path: '/data/a.mp4' });
    const second = await rest.createTask({ video_path: '/data/b.mp4' });
    await worker.nextTask(5000, 1);
    await worker.connection.invoke(WorkerMethods.UpdateTaskProgress, first.task_id, 4500, 'transcribing');
    await worker.connection.invoke(WorkerMethods.TaskCompleted, first.task_id, '/data/a.srt', '/data/a.en.srt');
    await worker.connection.invoke(WorkerMethods.TaskFailed, second.task_id, 'ffmpeg: no audio stream');
    assert.equal((await rest.task(first.task_id)).status, 'completed');
  });

  const rejected: [string, unknown[], RegExp][] = [
    [WorkerMethods.RegisterWorker, [42, 'http://x'], /Argument 1 'workerId' of 'RegisterWorker' is invalid: .*expected string/],
    [WorkerMethods.RegisterWorker, ['w', 'http://x', { concurrent_tasks: 0 }], /Argument 3 'capabilities'.* at concurrent_tasks/],
    [WorkerMethods.RegisterWorker, ['w', 'http://x', { current_task_ids: ['7'] }], /Argument 3 'capabilities'.* at current_task_ids\.0/],
    [WorkerMethods.UpdateWorkerStatus, ['worker-1', 'sleeping'], /Argument 2 'status' of 'UpdateWorkerStatus' is invalid/],
    [WorkerMethods.UpdateWorkerStatus, ['someone-else', 'idle'], /registered as 'worker-1', not 'someone-else'/],
    [WorkerMethods.UpdateTaskProgress, [1, 10001, 'transcribing'], /Argument 2 'progress' of 'UpdateTaskProgress' is invalid: .*<=10000/],
    [WorkerMethods.UpdateTaskProgress, ['1', 100, 'transcribing'], /Argument 1 'taskId' of 'UpdateTaskProgress' is invalid: .*expected number/],
    [WorkerMethods.UpdateTaskProgress, [1, 100, 'completed'], /State 'completed' is not one a worker can report/],
    [WorkerMethods.UpdateTaskProgress, [999, 100, 'transcribing'], /Task 999 does not exist/],
    [WorkerMethods.TaskCompleted, [1, '/a.srt'], /'TaskCompleted' takes 3 to 4 argument\(s\) \(taskId, rawSubtitlePath, translatedSubtitlePath, warnings\)/],
    [WorkerMethods.TaskCompleted, [1, '/a.srt', '', 'not a list'], /Argument 4 'warnings' of 'TaskCompleted' is invalid/],
    [WorkerMethods.TaskFailed, [1.5, 'boom'], /Argument 1 'taskId' of 'TaskFailed' is invalid: .*expected int/],
  ];
  for (const [method, args, expected] of rejected) {
    test(`rejects ${method}(${JSON.stringify(args).slice(1, -1)}) and keeps the connection`, async () => {
      await assert.rejects(worker.connection.invoke(method, ...args), expected);
      assert.equal(worker.connection.state, 'Connected');
    });
  }
});
