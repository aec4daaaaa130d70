import type { Logger } from '../../common/logger.js';
import type { Task } from '../../common/task-types.js';
import { FINISHED_STATUSES } from '../../common/task-types.js';
import type { LiveWorker, WorkerRegistry } from './registry.js';
import type { SettingsStore } from './store/settings-store.js';
import type { NewTask, QueuedTask, TaskStore } from './store/task-store.js';
import type { WorkerChannel } from './worker-channel.js';

export interface SchedulerOptions {
  /** Attempts a task gets before it is marked failed. */
  maxRetries: number;
  taskTimeoutMs: number;
  /** After a worker failed to take a task, it gets no other for this long. */
  refusalCooldownMs: number;
}

export type CancelOutcome = { kind: 'cancelled'; task: Task } | { kind: 'not_found' } | { kind: 'finished'; task: Task };
export type RetryOutcome = { kind: 'queued'; task: Task } | { kind: 'not_found' } | { kind: 'unfinished'; task: Task };

const PAUSED_KEY = 'queue.paused';

/**
 * The seed's MasterScheduler: enqueue_task, assign_task_to_worker, on_worker_idle. Tasks go out by
 * priority, then first come first served, to online workers with a free slot, GPU workers first;
 * a task that failed on a worker goes to another one when one is free. Timeouts and lost workers
 * send tasks back to the queue until their attempts run out.
 */
export class Scheduler {
  private scheduling = false;
  private again = false;
  private pausedFlag: boolean;
  private lastPick = new Map<string, number>();
  private picks = 0;
  private readonly pausedListeners: ((paused: boolean) => void)[] = [];

  constructor(
    private readonly store: TaskStore,
    private readonly registry: WorkerRegistry,
    private readonly channel: WorkerChannel,
    private readonly settings: SettingsStore,
    private readonly options: SchedulerOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.pausedFlag = settings.get(PAUSED_KEY) === 'true';
    store.onReload(() => this.resyncAfterRollback());
    // After a restart, tasks that were running stay with their workers, who have one
    // worker_timeout to come back and claim them.
    for (const task of store.processing()) {
      const worker = task.worker_id ? registry.get(task.worker_id) : undefined;
      if (worker) worker.tasks.add(task.task_id);
      else this.retryOrFail(task.task_id, `its worker ${task.worker_id ?? '(none)'} is unknown after a restart`, task.worker_id);
    }
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  /** enqueue_task */
  enqueue(input: NewTask): Task {
    const task = this.store.create(input);
    this.schedule();
    return task;
  }

  /** Many tasks at once (a folder dropped on the window): stored together, then one scheduling pass. */
  enqueueMany(inputs: readonly NewTask[]): Task[] {
    const tasks = this.store.createMany(inputs);
    this.schedule();
    return tasks;
  }

  pause(): void {
    this.pausedFlag = true;
    this.settings.set(PAUSED_KEY, 'true');
    this.logger.info('dispatch paused');
    this.pausedListeners.forEach((listener) => listener(true));
  }

  resume(): void {
    this.pausedFlag = false;
    this.settings.set(PAUSED_KEY, 'false');
    this.logger.info('dispatch resumed');
    this.pausedListeners.forEach((listener) => listener(false));
    this.schedule();
  }

  /** Hears every pause and resume, whoever asked (the API, the tray). */
  onPausedChange(listener: (paused: boolean) => void): void {
    this.pausedListeners.push(listener);
  }

  /** on_worker_idle, and every other moment a slot or a task may have appeared. */
  schedule(): void {
    if (this.pausedFlag) return;
    if (this.scheduling) {
      this.again = true;
      return;
    }
    this.scheduling = true;
    try {
      do {
        this.again = false;
        this.pass();
      } while (this.again);
    } finally {
      this.scheduling = false;
    }
  }

  cancel(taskId: number): CancelOutcome {
    const task = this.store.get(taskId);
    if (!task) return { kind: 'not_found' };
    if (FINISHED_STATUSES.includes(task.status)) return { kind: 'finished', task };
    const worker = task.worker_id ? this.registry.get(task.worker_id) : undefined;
    const cancelled = this.store.cancel(taskId);
    if (task.status === 'processing' && worker) {
      worker.tasks.delete(taskId);
      this.store.note(taskId, 'stop_requested', `StopSubtitize sent to ${worker.id}`, worker.id);
      this.stopAfterCommit(worker, taskId);
      this.schedule();
    }
    return { kind: 'cancelled', task: cancelled };
  }

  /** A user's retry: finished tasks only. */
  retry(taskId: number): RetryOutcome {
    const task = this.store.get(taskId);
    if (!task) return { kind: 'not_found' };
    if (!FINISHED_STATUSES.includes(task.status)) return { kind: 'unfinished', task };
    const queued = this.store.reset(taskId);
    this.schedule();
    return { kind: 'queued', task: queued };
  }

  /** A worker finished (or failed) a task: its slot is free. */
  released(worker: LiveWorker, taskId: number): void {
    worker.tasks.delete(taskId);
    this.schedule();
  }

  /**
   * One attempt failed: back to the queue with attempts left, else failed for good. Only a task
   * still running counts; anything else (finished, requeued, gone after a failed commit) is left be.
   */
  retryOrFail(taskId: number, error: string, workerId: string | null): Task | undefined {
    const task = this.store.get(taskId);
    if (!task || task.status !== 'processing') return undefined;
    const retry = task.attempts < this.options.maxRetries;
    const updated = this.store.attemptFailed(taskId, error, workerId, retry);
    this.logger.info(retry ? 'task retried' : 'task failed', { task: taskId, worker: workerId ?? undefined, attempts: task.attempts, error });
    return updated;
  }

  /**
   * A (re)registered worker told us which tasks it is running. What it still runs stays with it;
   * what it lost goes back to the queue; a task it runs that is now elsewhere or finished is stopped.
   */
  reconcile(worker: LiveWorker, running: readonly number[], options: { lostIfMissing: boolean }): void {
    const reported = new Set(running);
    if (options.lostIfMissing) {
      for (const taskId of [...worker.tasks]) {
        if (reported.has(taskId)) {
          this.store.note(taskId, 'resumed', `${worker.id} is back and still running the task`, worker.id);
          continue;
        }
        worker.tasks.delete(taskId);
        this.retryOrFail(taskId, `worker ${worker.id} came back without the task`, worker.id);
      }
    }
    for (const taskId of reported) {
      if (worker.tasks.has(taskId)) continue;
      const task = this.store.get(taskId);
      if (task?.status === 'processing' && task.worker_id === worker.id) {
        worker.tasks.add(taskId);
      } else if (task?.status === 'queued' && options.lostIfMissing && !this.pausedFlag) {
        // Only a registration may take a queued task back: a status report can be older than
        // the StopSubtitize that requeued it.
        // It went back to the queue while the worker was away, but the worker kept at it: let it finish.
        if (this.store.assign(taskId, worker.id)) {
          worker.tasks.add(taskId);
          this.store.note(taskId, 'resumed', `${worker.id} came back with the task and keeps it`, worker.id);
        }
      } else {
        this.stopAfterCommit(worker, taskId);
        this.logger.info('told a worker to stop a task that is not its own', { worker: worker.id, task: taskId, status: task?.status ?? 'unknown' });
      }
    }
    this.schedule();
  }

  /**
   * A batch was rolled back and the store reloaded what is on disk: the slots and the pause switch
   * are taken from there again, so no slot stays taken by an assignment that never happened, nor
   * freed by a completion that was never recorded.
   */
  private resyncAfterRollback(): void {
    this.pausedFlag = this.settings.get(PAUSED_KEY) === 'true';
    for (const worker of this.registry.all()) worker.tasks.clear();
    for (const task of this.store.processing()) {
      if (task.worker_id) this.registry.get(task.worker_id)?.tasks.add(task.task_id);
    }
    setImmediate(() => this.schedule());
  }

  /** The heartbeat: task timeouts, and workers silent for worker_timeout. */
  tick(lastReceived: (connectionId: string) => number | undefined): void {
    const now = this.now();
    for (const task of this.store.processing()) {
      if (task.dispatchedAt === null || now - task.dispatchedAt < this.options.taskTimeoutMs) continue;
      const worker = task.worker_id ? this.registry.get(task.worker_id) : undefined;
      if (worker) {
        worker.tasks.delete(task.task_id);
        this.stopAfterCommit(worker, task.task_id);
      }
      this.retryOrFail(task.task_id, `timed out after ${Math.round(this.options.taskTimeoutMs / 1000)} s on ${task.worker_id}`, task.worker_id);
    }
    for (const worker of this.registry.sweep(lastReceived)) {
      this.logger.warn('worker offline', { worker: worker.id, tasks: [...worker.tasks] });
      for (const taskId of [...worker.tasks]) {
        worker.tasks.delete(taskId);
        this.retryOrFail(taskId, `worker ${worker.id} went offline`, worker.id);
      }
    }
    this.schedule();
  }

  private pass(): void {
    const now = this.now();
    const online = this.registry.all().filter((w) => this.registry.isOnline(w));
    const ranked = online.filter((w) => w.reportedStatus !== 'busy' && w.cooldownUntilMs <= now && hasSlot(w)).sort((a, b) => this.rank(a, b));
    if (ranked.length === 0) return;
    const slots = ranked.reduce((sum, w) => sum + (w.capabilities.concurrent_tasks - w.tasks.size), 0);
    // Look a little past the head of the queue: a task waiting for a different worker should not block the rest.
    for (const task of this.store.queued(slots + 8)) {
      if (ranked.length === 0) return;
      const index = this.pickWorker(task, ranked, online);
      if (index === -1) continue;
      const [worker] = ranked.splice(index, 1) as [LiveWorker];
      this.dispatch(task, worker);
      if (hasSlot(worker)) this.insertRanked(ranked, worker);
    }
  }

  /** GPU first, then the least loaded, then the one that waited longest for work. */
  private rank(a: LiveWorker, b: LiveWorker): number {
    return (
      Number(b.capabilities.gpu_available) - Number(a.capabilities.gpu_available) ||
      a.tasks.size / a.capabilities.concurrent_tasks - b.tasks.size / b.capabilities.concurrent_tasks ||
      (this.lastPick.get(a.id) ?? 0) - (this.lastPick.get(b.id) ?? 0)
    );
  }

  private insertRanked(ranked: LiveWorker[], worker: LiveWorker): void {
    let at = 0;
    while (at < ranked.length && this.rank(ranked[at]!, worker) <= 0) at++;
    ranked.splice(at, 0, worker);
  }

  /** The index in `ranked` of the worker for this task, or -1 to leave it queued for now. */
  private pickWorker(task: QueuedTask, ranked: LiveWorker[], online: LiveWorker[]): number {
    if (task.excludedWorkers.length === 0) return 0;
    const excluded = new Set(task.excludedWorkers);
    const fresh = ranked.findIndex((w) => !excluded.has(w.id));
    if (fresh !== -1) return fresh;
    // Only workers it already failed on are free: wait for another, unless there is no other.
    return online.some((w) => !excluded.has(w.id)) ? -1 : 0;
  }

  /** assign_task_to_worker */
  private dispatch(queued: QueuedTask, worker: LiveWorker): void {
    const task = this.store.assign(queued.task_id, worker.id);
    if (!task) return;
    worker.tasks.add(task.task_id);
    this.lastPick.set(worker.id, ++this.picks);
    this.logger.info('task assigned', { task: task.task_id, worker: worker.id, attempt: task.attempts });
    // The assignment is on disk before the worker hears of it.
    this.store
      .durable()
      .then(() => this.channel.startTask(worker, task))
      .catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        if (!this.stillRunning(task.task_id, worker)) {
          // E.g. the assignment's commit failed and was rolled back: the slot must not stay taken.
          const current = this.store.get(task.task_id);
          if (current?.status !== 'processing' || current.worker_id !== worker.id) worker.tasks.delete(task.task_id);
          return;
        }
        if (this.store.get(task.task_id)?.progress !== 0) return;
        worker.tasks.delete(task.task_id);
        worker.cooldownUntilMs = this.now() + this.options.refusalCooldownMs;
        this.store.dispatchFailed(task.task_id, worker.id, reason);
        this.logger.warn('dispatch failed', { task: task.task_id, worker: worker.id, reason });
        this.schedule();
      });
  }

  /** StopSubtitize only once the change that stops the task is on disk. */
  private stopAfterCommit(worker: LiveWorker, taskId: number): void {
    this.store.durable().then(
      () => this.channel.stopTask(worker, taskId),
      () => this.logger.warn('stop not sent: the change was not committed', { task: taskId, worker: worker.id }),
    );
  }

  private stillRunning(taskId: number, worker: LiveWorker): boolean {
    if (!worker.tasks.has(taskId)) return false;
    const task = this.store.get(taskId);
    return task?.status === 'processing' && task.worker_id === worker.id;
  }
}

function hasSlot(worker: LiveWorker): boolean {
  return worker.tasks.size < worker.capabilities.concurrent_tasks;
}
