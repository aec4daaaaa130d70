import type { WorkerRegistry } from '../registry.js';
import type { Scheduler } from '../scheduler.js';
import type { TaskStore } from '../store/task-store.js';

export interface MetricsSnapshot {
  workers_online: number;
  workers_known: number;
  queue_length: number;
  tasks: Record<string, number>;
  mean_task_duration_s: number | null;
  mean_task_duration_samples: number;
  /** Failed attempts over all finished attempts, all workers together. */
  worker_failure_rate: number | null;
  workers: { worker_id: string; completed: number; failed: number; failure_rate: number | null }[];
  retry_count: number;
  paused: boolean;
}

/** The seed's monitoring list: workers online, queue length, mean duration, failure rate, retries. */
export class MetricsSource {
  constructor(
    private readonly store: TaskStore,
    private readonly registry: WorkerRegistry,
    private readonly scheduler: Scheduler,
  ) {}

  snapshot(): MetricsSnapshot {
    const tasks = this.store.countByStatus();
    const outcomes = this.store.outcomesByWorker();
    const workers = this.registry.all();
    let completed = 0;
    let failed = 0;
    const perWorker = workers.map((w) => {
      const o = outcomes.get(w.id) ?? { completed: 0, failed: 0 };
      completed += o.completed;
      failed += o.failed;
      return { worker_id: w.id, completed: o.completed, failed: o.failed, failure_rate: ratio(o.failed, o.completed + o.failed) };
    });
    const duration = this.store.meanDurationSeconds();
    return {
      workers_online: workers.filter((w) => this.registry.isOnline(w)).length,
      workers_known: workers.length,
      queue_length: tasks.queued,
      tasks,
      mean_task_duration_s: duration.seconds,
      mean_task_duration_samples: duration.count,
      worker_failure_rate: ratio(failed, completed + failed),
      workers: perWorker,
      retry_count: this.store.retryCount(),
      paused: this.scheduler.paused,
    };
  }

  /** The same numbers in Prometheus' text exposition format. */
  prometheus(): string {
    const m = this.snapshot();
    const lines: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [labels: string, value: number | null][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) if (value !== null) lines.push(`${name}${labels} ${value}`);
    };
    metric('captionhub_workers_online', 'gauge', 'Workers connected and registered.', [['', m.workers_online]]);
    metric('captionhub_queue_length', 'gauge', 'Tasks waiting for a worker.', [['', m.queue_length]]);
    metric('captionhub_tasks', 'gauge', 'Tasks by status.', Object.entries(m.tasks).map(([status, n]) => [`{status="${status}"}`, n]));
    metric('captionhub_task_duration_seconds_mean', 'gauge', 'Mean duration of recently completed tasks.', [['', m.mean_task_duration_s]]);
    metric('captionhub_worker_failure_ratio', 'gauge', 'Failed attempts over finished attempts.', [
      ['', m.worker_failure_rate],
      ...m.workers.map((w): [string, number | null] => [`{worker="${escapeLabel(w.worker_id)}"}`, w.failure_rate]),
    ]);
    metric('captionhub_task_retries_total', 'counter', 'Times a task went back to the queue after a failed attempt.', [['', m.retry_count]]);
    metric('captionhub_queue_paused', 'gauge', '1 while dispatch is paused.', [['', m.paused ? 1 : 0]]);
    return lines.join('\n') + '\n';
  }
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
