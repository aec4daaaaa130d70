import type { Statement } from 'better-sqlite3';
import { FINISHED_STATUSES, type Task, type TaskEvent, type TaskEventKind, type TaskState, type TaskStatus, type WorkingState } from '../../../common/task-types.js';
import type { Db } from './database.js';
import type { GroupCommit } from './group-commit.js';

export type NewTask = Pick<Task, 'video_path' | 'raw_subtitle_path' | 'translated_subtitle_path' | 'language' | 'target_language' | 'priority'>;

export interface TaskChange {
  task: Task;
  event: TaskEvent | null;
}

type Row = Task & { excluded_workers: string; dispatched_at: number | null };

/** Progress milestones worth a line in a task's timeline (ten-thousandths). */
const MILESTONES = [2500, 5000, 7500];

/**
 * Tasks and their timelines in SQLite. Every mutation writes the task and its event row together
 * and returns the updated task at once; it becomes durable with the turn's group commit, which
 * whoever acknowledges the change (the hub, the API) awaits through `durable()`, so nothing
 * acknowledged can be taken back by a crash. Listeners hear of each change after its commit.
 */
export class TaskStore {
  private readonly listeners = new Set<(change: TaskChange) => void>();
  /**
   * Unfinished tasks as last written. Worker reports and dispatch checks read a task many times
   * over its life; this spares each a query. Written only from rows the database returned.
   */
  private readonly active = new Map<number, Task>();
  /** Progress reports wait here for the batch's commit: several for one task in a batch become one row update. */
  private readonly pendingProgress = new Map<number, { progress: number; state: WorkingState }>();
  private readonly q: Record<string, Statement>;

  constructor(
    db: Db,
    private readonly commits: GroupCommit,
    private readonly now: () => Date = () => new Date(),
  ) {
    commits.onBeforeCommit(() => this.writePendingProgress());
    this.q = {
      insert: db.prepare(
        `INSERT INTO tasks (status, state, video_path, raw_subtitle_path, translated_subtitle_path, language, target_language, priority, created_at)
         VALUES ('queued', 'queued', @video_path, @raw_subtitle_path, @translated_subtitle_path, @language, @target_language, @priority, @created_at)
         RETURNING *`,
      ),
      get: db.prepare('SELECT * FROM tasks WHERE task_id = ?'),
      event: db.prepare('INSERT INTO task_events (task_id, at, kind, message, worker_id) VALUES (?, ?, ?, ?, ?)'),
      events: db.prepare('SELECT id, task_id, at, kind, message, worker_id FROM task_events WHERE task_id = ? ORDER BY id'),
      // Pinned to the partial index: without statistics the planner picks tasks_by_status and then
      // sorts every queued row, which made each scheduling pass cost O(queue length).
      queued: db.prepare(
        `SELECT task_id, excluded_workers FROM tasks INDEXED BY tasks_queue WHERE status = 'queued' ORDER BY priority DESC, task_id LIMIT ?`,
      ),
      processing: db.prepare(`SELECT * FROM tasks WHERE status = 'processing' ORDER BY task_id`),
      processingFor: db.prepare(`SELECT * FROM tasks INDEXED BY tasks_by_worker WHERE status = 'processing' AND worker_id = ? ORDER BY task_id`),
      assign: db.prepare(
        `UPDATE tasks SET status = 'processing', worker_id = @worker_id, attempts = attempts + 1, progress = 0, state = 'queued',
           started_at = @at, finished_at = NULL, dispatched_at = @dispatched_at WHERE task_id = @task_id AND status = 'queued' RETURNING *`,
      ),
      unassign: db.prepare(
        `UPDATE tasks SET status = 'queued', state = 'queued', worker_id = NULL, attempts = attempts - 1, progress = 0,
           started_at = NULL, dispatched_at = NULL WHERE task_id = ? RETURNING *`,
      ),
      progress: db.prepare(`UPDATE tasks SET progress = ?, state = ? WHERE task_id = ? AND status = 'processing'`),
      complete: db.prepare(
        `UPDATE tasks SET status = 'completed', state = 'completed', progress = 10000, raw_subtitle_path = ?, translated_subtitle_path = ?,
           error = NULL, finished_at = ?, dispatched_at = NULL WHERE task_id = ? RETURNING *`,
      ),
      requeue: db.prepare(
        `UPDATE tasks SET status = 'queued', state = 'queued', worker_id = NULL, progress = 0, error = ?, excluded_workers = ?,
           dispatched_at = NULL WHERE task_id = ? RETURNING *`,
      ),
      fail: db.prepare(
        `UPDATE tasks SET status = 'failed', state = 'failed', error = ?, finished_at = ?, dispatched_at = NULL WHERE task_id = ? RETURNING *`,
      ),
      cancel: db.prepare(`UPDATE tasks SET status = 'cancelled', state = 'cancelled', finished_at = ?, dispatched_at = NULL WHERE task_id = ? RETURNING *`),
      reset: db.prepare(
        `UPDATE tasks SET status = 'queued', state = 'queued', worker_id = NULL, progress = 0, attempts = 0, error = NULL,
           excluded_workers = '[]', started_at = NULL, finished_at = NULL, dispatched_at = NULL WHERE task_id = ? RETURNING *`,
      ),
      countByStatus: db.prepare('SELECT status, COUNT(*) AS n FROM tasks GROUP BY status'),
      outcomes: db.prepare(
        `SELECT worker_id, kind, COUNT(*) AS n FROM task_events
         WHERE kind IN ('completed', 'retried', 'failed') AND worker_id IS NOT NULL GROUP BY worker_id, kind`,
      ),
      listAll: db.prepare('SELECT * FROM tasks ORDER BY task_id DESC LIMIT ? OFFSET ?'),
      listByStatus: db.prepare('SELECT * FROM tasks WHERE status = ? ORDER BY task_id DESC LIMIT ? OFFSET ?'),
      countAll: db.prepare('SELECT COUNT(*) AS n FROM tasks'),
      retries: db.prepare(`SELECT COUNT(*) AS n FROM task_events WHERE kind = 'retried'`),
      meanDuration: db.prepare(
        `SELECT AVG((julianday(finished_at) - julianday(started_at)) * 86400.0) AS seconds, COUNT(*) AS n
         FROM (SELECT started_at, finished_at FROM tasks WHERE status = 'completed' AND started_at IS NOT NULL ORDER BY task_id DESC LIMIT 1000)`,
      ),
    };
  }

  onChange(listener: (change: TaskChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  create(input: NewTask): Task {
    return this.mutate(() => {
      const row = this.q.insert!.get({ ...input, created_at: this.stamp() }) as Row;
      return { row, event: this.event(row.task_id, 'queued', `queued ${input.video_path}`) };
    });
  }

  /** All or none: one failing row rolls the others back. */
  createMany(inputs: readonly NewTask[]): Task[] {
    const created = this.commits.write(() => {
      const stamp = this.stamp();
      return inputs.map((input) => {
        const row = this.q.insert!.get({ ...input, created_at: stamp }) as Row;
        return { row, event: this.event(row.task_id, 'queued', `queued ${input.video_path}`) };
      });
    });
    return created.map(({ row, event }) => this.publish(toTask(row), event));
  }

  get(taskId: number): Task | undefined {
    const cached = this.active.get(taskId);
    if (cached) return cached;
    const row = this.q.get!.get(taskId) as Row | undefined;
    return row && this.remember(toTask(row));
  }

  /** Drops what the cache holds, for when a commit failed and the database rolled back. */
  forgetCached(): void {
    this.active.clear();
  }

  /** Newest first. */
  list(filter: { status?: TaskStatus; limit: number; offset: number }): { tasks: Task[]; total: number } {
    const rows = (
      filter.status ? this.q.listByStatus!.all(filter.status, filter.limit, filter.offset) : this.q.listAll!.all(filter.limit, filter.offset)
    ) as Row[];
    const total = filter.status ? this.countByStatus()[filter.status] : (this.q.countAll!.get() as { n: number }).n;
    return { tasks: rows.map(toTask), total };
  }

  events(taskId: number): TaskEvent[] {
    return this.q.events!.all(taskId) as TaskEvent[];
  }

  /** Resolves once every change made so far is on disk. */
  durable(): Promise<void> {
    return this.commits.durable();
  }

  /** The head of the queue in dispatch order (priority, then first come first served): ids and who to avoid. */
  queued(limit: number): QueuedTask[] {
    return (this.q.queued!.all(limit) as { task_id: number; excluded_workers: string }[]).map((row) => ({
      task_id: row.task_id,
      excludedWorkers: row.excluded_workers === '[]' ? [] : (JSON.parse(row.excluded_workers) as string[]),
    }));
  }

  processing(workerId?: string): (Task & { dispatchedAt: number | null })[] {
    const rows = (workerId === undefined ? this.q.processing!.all() : this.q.processingFor!.all(workerId)) as Row[];
    return rows.map((row) => ({ ...toTask(row), dispatchedAt: row.dispatched_at }));
  }

  /** Hands a queued task to a worker; undefined if it is no longer queued (cancelled meanwhile). */
  assign(taskId: number, workerId: string): Task | undefined {
    return this.mutateIf(() => {
      const at = this.now();
      const row = this.q.assign!.get({ task_id: taskId, worker_id: workerId, at: at.toISOString(), dispatched_at: at.getTime() }) as Row | undefined;
      if (!row) return null;
      return { row, event: this.event(taskId, 'assigned', `assigned to ${workerId} (attempt ${row.attempts})`, workerId) };
    });
  }

  /** The worker never took the task (refused, unreachable): back to the queue, the attempt not counted. */
  dispatchFailed(taskId: number, workerId: string, reason: string): Task {
    return this.mutate(() => ({
      row: this.q.unassign!.get(taskId) as Row,
      event: this.event(taskId, 'dispatch_failed', `${workerId} did not take the task: ${reason}`, workerId),
    }));
  }

  /**
   * A progress report on a running task. The row is written with the batch's commit, so a worker
   * reporting several times within one batch costs one update; the timeline gets a line when the
   * state changes or a milestone is crossed.
   */
  progress(taskId: number, progress: number, state: WorkingState, previous: Task): Task {
    const task: Task = { ...previous, progress, state };
    const crossed = MILESTONES.find((m) => previous.progress < m && progress >= m);
    let event: TaskEvent | null = null;
    this.commits.write(() => {
      this.pendingProgress.set(taskId, { progress, state });
      if (state !== previous.state) event = this.event(taskId, 'progress', `${state} (${formatPercent(progress)})`, previous.worker_id);
      else if (crossed !== undefined) event = this.event(taskId, 'progress', `${state} ${formatPercent(crossed)}`, previous.worker_id);
    });
    return this.publish(task, event);
  }

  private writePendingProgress(): void {
    for (const [taskId, { progress, state }] of this.pendingProgress) {
      this.q.progress!.run(progress, state, taskId);
    }
    this.pendingProgress.clear();
  }

  complete(taskId: number, rawSubtitlePath: string, translatedSubtitlePath: string | null, workerId: string): Task {
    return this.mutate(() => ({
      row: this.q.complete!.get(rawSubtitlePath, translatedSubtitlePath, this.stamp(), taskId) as Row,
      event: this.event(taskId, 'completed', `completed by ${workerId}`, workerId),
    }));
  }

  /**
   * An attempt failed. With retries left the task goes back to the queue, remembering the worker so
   * that another one gets it first; otherwise it fails with this error.
   */
  attemptFailed(taskId: number, error: string, workerId: string | null, retry: boolean): Task {
    return this.mutate(() => {
      const current = this.q.get!.get(taskId) as Row;
      if (!retry) {
        return {
          row: this.q.fail!.get(error, this.stamp(), taskId) as Row,
          event: this.event(taskId, 'failed', `failed after ${current.attempts} attempt(s): ${error}`, workerId),
        };
      }
      const excluded = new Set(JSON.parse(current.excluded_workers) as string[]);
      if (workerId) excluded.add(workerId);
      return {
        row: this.q.requeue!.get(error, JSON.stringify([...excluded]), taskId) as Row,
        event: this.event(taskId, 'retried', `retrying because ${error}`, workerId),
      };
    });
  }

  cancel(taskId: number): Task {
    return this.mutate(() => ({ row: this.q.cancel!.get(this.stamp(), taskId) as Row, event: this.event(taskId, 'cancelled', 'cancelled by the user') }));
  }

  /** A user's retry of a finished task: a fresh start with a clean slate. */
  reset(taskId: number): Task {
    return this.mutate(() => ({ row: this.q.reset!.get(taskId) as Row, event: this.event(taskId, 'queued', 'queued again by the user') }));
  }

  /** Adds a line to a task's timeline without changing the task. */
  note(taskId: number, kind: TaskEventKind, message: string, workerId: string | null = null): void {
    const task = this.get(taskId);
    if (!task) return;
    this.publish(task, this.commits.write(() => this.event(taskId, kind, message, workerId)));
  }

  countByStatus(): Record<TaskStatus, number> {
    const counts: Record<TaskStatus, number> = { queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const { status, n } of this.q.countByStatus!.all() as { status: TaskStatus; n: number }[]) counts[status] = n;
    return counts;
  }

  /** Attempt outcomes per worker over all time: completions, and failures (retried or final). */
  outcomesByWorker(): Map<string, { completed: number; failed: number }> {
    const out = new Map<string, { completed: number; failed: number }>();
    for (const { worker_id, kind, n } of this.q.outcomes!.all() as { worker_id: string; kind: string; n: number }[]) {
      const entry = out.get(worker_id) ?? { completed: 0, failed: 0 };
      if (kind === 'completed') entry.completed += n;
      else entry.failed += n;
      out.set(worker_id, entry);
    }
    return out;
  }

  retryCount(): number {
    return (this.q.retries!.get() as { n: number }).n;
  }

  /** Mean wall time of the last 1000 completed tasks, start of the final attempt to finish. */
  meanDurationSeconds(): { seconds: number | null; count: number } {
    const row = this.q.meanDuration!.get() as { seconds: number | null; n: number };
    return { seconds: row.seconds, count: row.n };
  }

  private remember(task: Task): Task {
    if (FINISHED_STATUSES.includes(task.status)) this.active.delete(task.task_id);
    else this.active.set(task.task_id, task);
    return task;
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  private event(taskId: number, kind: TaskEventKind, message: string, workerId: string | null = null): TaskEvent {
    const at = this.stamp();
    const { lastInsertRowid } = this.q.event!.run(taskId, at, kind, message, workerId);
    return { id: Number(lastInsertRowid), task_id: taskId, at, kind, message, worker_id: workerId };
  }

  private mutate(write: () => { row: Row; event: TaskEvent | null }): Task {
    return this.mutateIf(write)!;
  }

  private mutateIf(write: () => { row: Row; event: TaskEvent | null } | null): Task | undefined {
    const outcome = this.commits.write(write);
    if (!outcome) return undefined;
    // Every row write supersedes progress still held back for that task.
    this.pendingProgress.delete(outcome.row.task_id);
    return this.publish(toTask(outcome.row), outcome.event);
  }

  private publish(task: Task, event: TaskEvent | null): Task {
    this.remember(task);
    if (this.listeners.size > 0) {
      const change = { task, event };
      this.commits.afterDurable(() => this.listeners.forEach((listener) => listener(change)));
    }
    return task;
  }
}

export interface QueuedTask {
  task_id: number;
  /** Workers this task already failed on: another one gets it first. */
  excludedWorkers: string[];
}

function toTask(row: Row): Task {
  return {
    task_id: row.task_id,
    status: row.status,
    state: row.state as TaskState,
    worker_id: row.worker_id,
    video_path: row.video_path,
    raw_subtitle_path: row.raw_subtitle_path,
    translated_subtitle_path: row.translated_subtitle_path,
    language: row.language,
    target_language: row.target_language,
    priority: row.priority,
    progress: row.progress,
    attempts: row.attempts,
    error: row.error,
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
  };
}

function formatPercent(progress: number): string {
  return `${Math.round(progress / 100)}%`;
}
