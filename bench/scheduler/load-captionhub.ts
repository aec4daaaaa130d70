// 100 workers on real @microsoft/signalr WebSocket connections, and the REST client that enqueues.
import { Agent, request as httpRequest } from 'node:http';
import * as signalR from '@microsoft/signalr';
import { MasterMethods, WorkerMethods } from '../../common/hub-contract.js';
import { indexOf, LifecycleClock, videoPathOf, type LifecycleRequest } from './lifecycle.js';

async function run(request: LifecycleRequest & { url: string; hubUrl: string }) {
  let clock = new LifecycleClock(request.warmupTasks);
  const workers: signalR.HubConnection[] = [];
  for (let w = 0; w < request.workers; w++) {
    const connection = new signalR.HubConnectionBuilder()
      .withUrl(request.hubUrl, { transport: signalR.HttpTransportType.WebSockets })
      .configureLogging(signalR.LogLevel.None)
      .build();
    connection.on(MasterMethods.StartSubtitize, (taskId: number, videoPath: string) => {
      clock.receivedAt[indexOf(videoPath)] = performance.now();
      // Accept at once, then work through the task's lifecycle after answering. As CaptionHub's
      // worker does, progress goes out without waiting for each acknowledgement: the hub handles
      // one connection's calls in order, so the acknowledged TaskCompleted also vouches for them.
      setImmediate(async () => {
        for (let p = 1; p <= request.progressUpdates; p++) {
          void connection.send(WorkerMethods.UpdateTaskProgress, taskId, Math.round((p * 10000) / (request.progressUpdates + 1)), 'transcribing');
        }
        await connection.invoke(WorkerMethods.TaskCompleted, taskId, `/bench/${taskId}.srt`, '');
        clock.completedOne();
      });
      return true;
    });
    await connection.start();
    await connection.invoke(WorkerMethods.RegisterWorker, `bench-${w}`, `bench://${w}`, { gpu_available: false, concurrent_tasks: 1 });
    workers.push(connection);
  }

  // node:http with keep-alive rather than fetch, whose per-request cost in Node 20 would be charged
  // to the shared CPU the master runs on.
  const agent = new Agent({ keepAlive: true, maxSockets: request.enqueueConcurrency });
  const endpoint = new URL('/api/tasks', request.url);
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest(endpoint, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`enqueue answered ${res.statusCode}: ${Buffer.concat(chunks)}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  const enqueue = (indices: number[]) =>
    post(JSON.stringify(indices.length === 1 ? { video_path: videoPathOf(indices[0]!) } : { tasks: indices.map((i) => ({ video_path: videoPathOf(i) })) }));
  await clock.enqueueAll(request.enqueueConcurrency, request.enqueueBatch, enqueue);
  await clock.done;
  clock = new LifecycleClock(request.tasks);
  clock.start();
  await clock.enqueueAll(request.enqueueConcurrency, request.enqueueBatch, enqueue);
  agent.destroy();
  await clock.done;
  const result = clock.result();
  await Promise.all(workers.map((w) => w.stop()));
  return result;
}

process.on('message', (message: { type: string; request: LifecycleRequest & { url: string; hubUrl: string } }) => {
  if (message.type !== 'run') return;
  run(message.request).then(
    (result) => process.send!({ type: 'result', result }, () => process.exit(0)),
    (error: unknown) => process.send!({ type: 'error', error: String((error as Error)?.stack ?? error) }, () => process.exit(1)),
  );
});
