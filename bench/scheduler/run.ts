// npm run bench:scheduler — 10,000 tasks through 100 workers, each with 5 progress updates and a
// completion, every state change durable. CaptionHub's master (SQLite, SignalR over WebSockets,
// tasks enqueued through its REST API) against BullMQ on Redis (AOF, fsync every second) doing the
// same lifecycle with a Worker of the same concurrency. One stack at a time.
// Tasks are enqueued 100 per call (POST /api/tasks with a list; BullMQ's addBulk), 4 calls in flight.
// Options: --tasks 10000 --workers 100 --progress 5 --batch 100 --concurrency 4 (--batch 1 for one call per task)
import { parseArgs } from 'node:util';
import { freePort } from '../../test/helpers/process.js';
import { nextMessage, startChild, type ProcessStats } from '../lib/ipc.js';
import { machineInfo, markdownTable, updateReadmeTable, writeResults } from '../lib/report.js';
import { round } from '../lib/stats.js';
import type { LifecycleRequest, LifecycleResult } from './lifecycle.js';
import { startRedis } from './redis.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '100' },
    progress: { type: 'string', default: '5' },
    batch: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '4' },
    'no-readme': { type: 'boolean', default: false },
  },
});
const request: LifecycleRequest = {
  tasks: Number(values.tasks),
  workers: Number(values.workers),
  progressUpdates: Number(values.progress),
  enqueueBatch: Number(values.batch),
  enqueueConcurrency: Number(values.concurrency),
};

async function runCaptionHub() {
  const master = startChild('bench/scheduler/master-process.ts');
  try {
    const { url, hubUrl } = await nextMessage<{ url: string; hubUrl: string }>(master, 'ready');
    const load = startChild('bench/scheduler/load-captionhub.ts');
    load.send({ type: 'run', request: { ...request, url, hubUrl } });
    const { result } = await nextMessage<{ result: LifecycleResult }>(load, 'result');
    master.send({ type: 'stats' });
    const stats = await nextMessage<ProcessStats>(master, 'stats');
    return { ...summarize(result), server_cpu_s: round(stats.cpu_s), server_rss_peak_mb: round(stats.rss_peak_mb, 1) };
  } finally {
    master.kill();
  }
}

async function runBullMQ() {
  const redis = await startRedis(await freePort());
  try {
    const load = startChild('bench/scheduler/load-bullmq.ts');
    load.send({ type: 'run', request: { ...request, redisPort: redis.port } });
    const { result } = await nextMessage<{ result: LifecycleResult }>(load, 'result');
    const usage = redis.usage();
    return { ...summarize(result), server_cpu_s: round(usage.cpu_s), server_rss_peak_mb: round(usage.rss_mb, 1) };
  } finally {
    await redis.stop();
  }
}

function summarize(r: LifecycleResult) {
  return {
    tasks_s: round(r.tasks_s, 0),
    seconds: round(r.seconds, 2),
    dispatch_p50_ms: round(r.dispatch_p50_ms, 1),
    dispatch_p99_ms: round(r.dispatch_p99_ms, 1),
    load_cpu_s: round(r.load_cpu_s),
  };
}

const ours = await runCaptionHub();
console.log('captionhub', JSON.stringify(ours));
const bullmq = await runBullMQ();
console.log('bullmq', JSON.stringify(bullmq));
const ratio = round(ours.tasks_s / bullmq.tasks_s, 2);
const results = {
  benchmark: 'scheduler',
  description:
    'Tasks through the whole lifecycle (enqueue, dispatch, 5 progress updates, completion), every state change durable: CaptionHub master vs BullMQ on Redis',
  goals: { tasks_s_at_least_bullmq: ratio >= 1 },
  settings: { ...request },
  notes: [
    'CaptionHub: master alone in its process (SQLite WAL, synchronous=NORMAL), tasks enqueued with POST /api/tasks ({"tasks": [...]} when batched), workers are @microsoft/signalr WebSocket connections in a second process; dispatch is StartSubtitize answered by the worker, every report is acknowledged after its commit.',
    'BullMQ: redis-server with appendonly yes, appendfsync everysec; Queue.addBulk (Queue.add when batch is 1) from the load process, one Worker with concurrency equal to the worker count, job.updateProgress for each progress update.',
    'Dispatch latency is enqueue call to the moment the worker holds the task; with every task enqueued up front it includes the time spent waiting in the queue.',
    'server_cpu_s / server_rss_peak_mb: the master process, or the redis-server process.',
  ],
  machine: machineInfo(),
  captionhub: ours,
  bullmq,
  ratio_tasks_s: ratio,
};
console.log(`wrote ${writeResults('scheduler', results)}`);
if (!values['no-readme']) {
  updateReadmeTable(
    'scheduler',
    markdownTable(
      ['stack', 'tasks/s', 'total s', 'dispatch p50 / p99 ms', 'server CPU s', 'server RSS MB'],
      [
        ['CaptionHub (SQLite + SignalR)', ours.tasks_s, ours.seconds, `${ours.dispatch_p50_ms} / ${ours.dispatch_p99_ms}`, ours.server_cpu_s, ours.server_rss_peak_mb],
        ['BullMQ (Redis, AOF)', bullmq.tasks_s, bullmq.seconds, `${bullmq.dispatch_p50_ms} / ${bullmq.dispatch_p99_ms}`, bullmq.server_cpu_s, bullmq.server_rss_peak_mb],
      ],
    ) + `\n\nRatio of tasks/s (CaptionHub / BullMQ): **${ratio}**.`,
  );
}
