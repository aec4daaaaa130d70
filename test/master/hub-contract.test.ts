// The seed's worker-to-master methods on the master's hub: names and argument types as the spec.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as signalR from '@microsoft/signalr';
import { WorkerMethods } from '../../common/hub-contract.js';
import { buildClient } from '../helpers/hub-server.js';
import { startTestMaster } from '../helpers/master.js';

describe('master hub contract', () => {
  let master: Awaited<ReturnType<typeof startTestMaster>>;
  let worker: signalR.HubConnection;
  before(async () => {
    master = await startTestMaster();
    worker = buildClient(master.hubUrl);
    await worker.start();
  });
  after(async () => {
    await worker.stop();
    await master.stop();
  });

  test('accepts well-typed calls to every seed method', async () => {
    await worker.invoke(WorkerMethods.RegisterWorker, 'worker-1', 'http://worker1:5000');
    await worker.invoke(WorkerMethods.RegisterWorker, 'worker-1', 'http://worker1:5000', { gpu_available: true, concurrent_tasks: 2 });
    await worker.invoke(WorkerMethods.UpdateWorkerStatus, 'worker-1', 'idle');
    await worker.invoke(WorkerMethods.UpdateWorkerStatus, 'worker-1', { status: 'busy', current_task_ids: [1] });
    await worker.invoke(WorkerMethods.UpdateTaskProgress, 1, 4500, 'transcribing');
    await worker.invoke(WorkerMethods.TaskCompleted, 1, '/data/a.srt', '/data/a.en.srt');
    await worker.invoke(WorkerMethods.TaskFailed, 2, 'ffmpeg: no audio stream');
  });

  const rejected: [string, unknown[], RegExp][] = [
    [WorkerMethods.RegisterWorker, [42, 'http://x'], /Argument 1 'workerId' of 'RegisterWorker' is invalid: .*expected string/],
    [WorkerMethods.RegisterWorker, ['w', 'http://x', { concurrent_tasks: 0 }], /Argument 3 'capabilities'.* at concurrent_tasks/],
    [WorkerMethods.UpdateWorkerStatus, ['w', 'sleeping'], /Argument 2 'status' of 'UpdateWorkerStatus' is invalid/],
    [WorkerMethods.UpdateTaskProgress, [1, 10001, 'transcribing'], /Argument 2 'progress' of 'UpdateTaskProgress' is invalid: .*<=10000/],
    [WorkerMethods.UpdateTaskProgress, ['1', 100, 'transcribing'], /Argument 1 'taskId' of 'UpdateTaskProgress' is invalid: .*expected number/],
    [WorkerMethods.TaskCompleted, [1, '/a.srt'], /'TaskCompleted' takes 3 argument\(s\) \(taskId, rawSubtitlePath, translatedSubtitlePath\)/],
    [WorkerMethods.TaskFailed, [1.5, 'boom'], /Argument 1 'taskId' of 'TaskFailed' is invalid: .*expected int/],
  ];
  for (const [method, args, expected] of rejected) {
    test(`rejects ${method}(${JSON.stringify(args).slice(1, -1)}) and keeps the connection`, async () => {
      await assert.rejects(worker.invoke(method, ...args), expected);
      assert.equal(worker.state, 'Connected');
    });
  }
});
