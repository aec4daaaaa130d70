import { percentile } from '../lib/stats.js';

export interface LifecycleRequest {
  tasks: number;
  /** Tasks run through the same processes before the measured ones (JIT, caches), untimed. */
  warmupTasks: number;
  workers: number;
  progressUpdates: number;
  /** Tasks per enqueue call (a folder of videos dropped at once); 1 for one call per task. */
  enqueueBatch: number;
  /** Enqueue calls in flight at once. */
  enqueueConcurrency: number;
}

export interface LifecycleResult {
  tasks: number;
  seconds: number;
  tasks_s: number;
  dispatch_p50_ms: number;
  dispatch_p99_ms: number;
  /** CPU seconds this load process spent between start() and the last completion. */
  load_cpu_s: number;
}

/** Bookkeeping shared by both stacks: when each task was enqueued, reached a worker, finished. */
export class LifecycleClock {
  readonly enqueuedAt: Float64Array;
  readonly receivedAt: Float64Array;
  private completed = 0;
  private startedAt = 0;
  private cpuAtStart = process.cpuUsage();
  private resolveDone!: () => void;
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(readonly total: number) {
    this.enqueuedAt = new Float64Array(total);
    this.receivedAt = new Float64Array(total);
  }

  /** Tells the bench runner (which then samples the server's CPU) and starts the clock. */
  start(): void {
    process.send?.({ type: 'started' });
    this.cpuAtStart = process.cpuUsage();
    this.startedAt = performance.now();
  }

  completedOne(): void {
    if (++this.completed === this.total) this.resolveDone();
  }

  /** Hands every task index to `enqueue`, `batch` at a time, with at most `concurrency` calls in flight. */
  async enqueueAll(concurrency: number, batch: number, enqueue: (indices: number[]) => Promise<unknown>): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < this.total) {
          const indices: number[] = [];
          while (indices.length < batch && next < this.total) indices.push(next++);
          const now = performance.now();
          for (const i of indices) this.enqueuedAt[i] = now;
          await enqueue(indices);
        }
      }),
    );
  }

  result(): LifecycleResult {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const latencies = Array.from(this.receivedAt, (r, i) => r - this.enqueuedAt[i]!);
    const cpu = process.cpuUsage(this.cpuAtStart);
    return {
      tasks: this.total,
      seconds,
      tasks_s: this.total / seconds,
      dispatch_p50_ms: percentile(latencies, 50),
      dispatch_p99_ms: percentile(latencies, 99),
      load_cpu_s: (cpu.user + cpu.system) / 1e6,
    };
  }
}

/** Task i's video path: how a dispatched task is matched back to its enqueue time. */
export const videoPathOf = (i: number) => `/bench/video-${i}.mp4`;
export const indexOf = (videoPath: string) => Number(/video-(\d+)\.mp4$/.exec(videoPath)![1]);
