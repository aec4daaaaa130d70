// npm run bench:scheduler — 10,000 tasks through 100 workers, each with 5 progress updates and a
// completion, every state change durable. CaptionHub's master (SQLite, SignalR over WebSockets,
// tasks enqueued through its REST API) against BullMQ on Redis (AOF, fsync every second) doing the
// same lifecycle with a Worker of the same concurrency. One stack at a time; --rounds rounds, the two
// stacks alternating which goes first, and the round with the median tasks/s is reported for each.
// Tasks are enqueued 100 per call (POST /api/tasks with a list; BullMQ's addBulk), 4 calls in flight.
// Before the measured tasks, --warmup tasks go through the same processes, untimed, on both stacks.
// Options: --tasks 10000 --warmup 1000 --workers 100 --progress 5 --batch 100 --concurrency 4 --rounds 5
// (--batch 1 for one call per task)
import type { ChildProcess } from 'node:child_process';
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
    warmup: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '100' },
    progress: { type: 'string', default: '5' },
    batch: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '5' },
    'no-readme': { type: 'boolean', default: false },
  },
});
const request: LifecycleRequest = {
  tasks: Number(values.tasks),
  warmupTasks: Number(values.warmup),
  workers: Number(values.workers),
  progressUpdates: Number(values.progress),
  enqueueBatch: Number(values.batch),
  enqueueConcurrency: Number(values.concurrency),
};
const rounds = Number(values.rounds);

interface StackRun extends LifecycleResult {
  /** CPU the server (master, or redis-server) spent while the tasks ran. */
  server_cpu_s: number;
  server_rss_peak_mb: number;
}

/** Runs the load process to its result, sampling the server's CPU when the load starts its clock. */
async function runLoad(load: ChildProcess, serverCpu: () => Promise<number>): Promise<{ result: LifecycleResult; server_cpu_s: number }> {
  const started = nextMessage(load, 'started').then(() => serverCpu());
  const { result } = await nextMessage<{ result: LifecycleResult }>(load, 'result');
  return { result, server_cpu_s: (await serverCpu()) - (await started) };
}

async function runCaptionHub(): Promise<StackRun> {
  const master = startChild('bench/scheduler/master-process.ts');
  try {
    const { url, hubUrl } = await nextMessage<{ url: string; hubUrl: string }>(master, 'ready');
    const stats = async () => {
      const reply = nextMessage<ProcessStats>(master, 'stats');
      master.send({ type: 'stats' });
      return reply;
    };
    const load = startChild('bench/scheduler/load-captionhub.ts');
    load.send({ type: 'run', request: { ...request, url, hubUrl } });
    const { result, server_cpu_s } = await runLoad(load, async () => (await stats()).cpu_s);
    return { ...result, server_cpu_s, server_rss_peak_mb: (await stats()).rss_peak_mb };
  } finally {
    master.kill();
  }
}

async function runBullMQ(): Promise<StackRun> {
  const redis = await startRedis(await freePort());
  try {
    const load = startChild('bench/scheduler/load-bullmq.ts');
    load.send({ type: 'run', request: { ...request, redisPort: redis.port } });
    const { result, server_cpu_s } = await runLoad(load, async () => redis.usage().cpu_s);
    return { ...result, server_cpu_s, server_rss_peak_mb: redis.usage().rss_mb };
  } finally {
    await redis.stop();
  }
}

function summarize(runs: StackRun[]) {
  const r = [...runs].sort((a, b) => a.tasks_s - b.tasks_s)[Math.floor(runs.length / 2)]!;
  const perTask = (cpu_s: number) => round((cpu_s * 1e6) / r.tasks, 0);
  return {
    tasks_s: round(r.tasks_s, 0),
    seconds: round(r.seconds, 2),
    dispatch_p50_ms: round(r.dispatch_p50_ms, 1),
    dispatch_p99_ms: round(r.dispatch_p99_ms, 1),
    server_cpu_us_per_task: perTask(r.server_cpu_s),
    load_cpu_us_per_task: perTask(r.load_cpu_s),
    server_rss_peak_mb: round(r.server_rss_peak_mb, 1),
    rounds_tasks_s: runs.map((run) => round(run.tasks_s, 0)),
  };
}

const runs: Record<'captionhub' | 'bullmq', StackRun[]> = { captionhub: [], bullmq: [] };
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? (['captionhub', 'bullmq'] as const) : (['bullmq', 'captionhub'] as const);
  for (const stack of order) {
    const run = stack === 'captionhub' ? await runCaptionHub() : await runBullMQ();
    runs[stack].push(run);
    console.log(`round ${r + 1} ${stack}: ${round(run.tasks_s, 0)} tasks/s`);
  }
}
const ours = summarize(runs.captionhub);
const bullmq = summarize(runs.bullmq);
console.log('captionhub', JSON.stringify(ours));
console.log('bullmq', JSON.stringify(bullmq));
const ratio = round(ours.tasks_s / bullmq.tasks_s, 2);
const results = {
  benchmark: 'scheduler',
  description:
    'Tasks through the whole lifecycle (enqueue, dispatch, 5 progress updates, completion), every state change durable: CaptionHub master vs BullMQ on Redis',
  goals: { tasks_s_at_least_bullmq: ratio >= 1 },
  settings: { ...request, rounds },
  notes: [
    'CaptionHub: master alone in its process (SQLite WAL, synchronous=NORMAL), tasks enqueued with POST /api/tasks ({"tasks": [...]} when batched), workers are @microsoft/signalr WebSocket connections in a second process; dispatch is StartSubtitize answered by the worker, every report is acknowledged after its commit.',
    'BullMQ: redis-server with appendonly yes, appendfsync everysec; Queue.addBulk (Queue.add when batch is 1) from the load process, one Worker with concurrency equal to the worker count, job.updateProgress for each progress update.',
    'Each round first runs the warm-up tasks through the same processes (untimed), then the measured ones.',
    'Each stack: the round with the median tasks/s of all rounds (rounds_tasks_s lists them in order); the stacks alternate which runs first.',
    'Dispatch latency is enqueue call to the moment the worker holds the task; with every task enqueued up front it includes the time spent waiting in the queue.',
    'CPU per task is measured while the tasks run: server = the master process, or redis-server; load = the process with the workers and the enqueuing client (for BullMQ it also runs BullMQ\'s queue logic).',
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
      ['stack', 'tasks/s (median)', 'dispatch p50 / p99 ms', 'server CPU µs/task', 'load CPU µs/task', 'server RSS MB', 'rounds tasks/s'],
      [
        ['CaptionHub (SQLite + SignalR)', ours.tasks_s, `${ours.dispatch_p50_ms} / ${ours.dispatch_p99_ms}`, ours.server_cpu_us_per_task, ours.load_cpu_us_per_task, ours.server_rss_peak_mb, ours.rounds_tasks_s.join(', ')],
        ['BullMQ (Redis, AOF)', bullmq.tasks_s, `${bullmq.dispatch_p50_ms} / ${bullmq.dispatch_p99_ms}`, bullmq.server_cpu_us_per_task, bullmq.load_cpu_us_per_task, bullmq.server_rss_peak_mb, bullmq.rounds_tasks_s.join(', ')],
      ],
    ) + `\n\nRatio of median tasks/s (CaptionHub / BullMQ): **${ratio}**.`,
  );
}
