// The peer: BullMQ on Redis, one Worker with the same concurrency, the same lifecycle per job.
import { Queue, Worker } from 'bullmq';
import { LifecycleClock, videoPathOf, type LifecycleRequest } from './lifecycle.js';

async function run(request: LifecycleRequest & { redisPort: number }) {
  const connection = { host: '127.0.0.1', port: request.redisPort, maxRetriesPerRequest: null };
  let clock = new LifecycleClock(request.warmupTasks);
  const queue = new Queue('subtitize', { connection });
  const worker = new Worker(
    'subtitize',
    async (job) => {
      clock.receivedAt[job.data.i as number] = performance.now();
      for (let p = 1; p <= request.progressUpdates; p++) {
        await job.updateProgress(Math.round((p * 10000) / (request.progressUpdates + 1)));
      }
      return { raw_subtitle_path: `/bench/${job.id}.srt` };
    },
    { connection, concurrency: request.workers },
  );
  worker.on('completed', () => clock.completedOne());
  let failure: Error | null = null;
  worker.on('error', (error) => (failure ??= error));
  worker.on('failed', (_job, error) => (failure ??= error));
  await worker.waitUntilReady();

  const job = (i: number) => ({ name: 'subtitize', data: { i, video_path: videoPathOf(i) } });
  const enqueue = (indices: number[]) => (indices.length === 1 ? queue.add('subtitize', job(indices[0]!).data) : queue.addBulk(indices.map(job)));
  await clock.enqueueAll(request.enqueueConcurrency, request.enqueueBatch, enqueue);
  await clock.done;
  clock = new LifecycleClock(request.tasks);
  clock.start();
  await clock.enqueueAll(request.enqueueConcurrency, request.enqueueBatch, enqueue);
  await Promise.race([
    clock.done,
    new Promise((_, reject) => {
      const check = setInterval(() => failure && (clearInterval(check), reject(failure)), 100);
      void clock.done.then(() => clearInterval(check));
    }),
  ]);
  const result = clock.result();
  await worker.close();
  await queue.close();
  return result;
}

process.on('message', (message: { type: string; request: LifecycleRequest & { redisPort: number } }) => {
  if (message.type !== 'run') return;
  run(message.request).then(
    (result) => process.send!({ type: 'result', result }, () => process.exit(0)),
    (error: unknown) => process.send!({ type: 'error', error: String((error as Error)?.stack ?? error) }, () => process.exit(1)),
  );
});
