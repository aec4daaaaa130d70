import type { Statement } from 'better-sqlite3';
import type { Task, TaskEvent, TaskEventKind, TaskState, TaskStatus, WorkingState } from '../../../common/task-types.js';
import type { Db } from './database.js';

export interface NewTask {
  video_path: string;
  raw_subtitle_path: string;
  translated_subtitle_path: string | null;
  language: string | null;
  target_language: string | null;
  priority: number;
}

export interface TaskChange {
  task: Task;
  event: TaskEvent | null;
}

type Row = Task & { excluded_workers: string; dispatched_at: number | null };

/** Progress milestones worth a line in a task's timeline (ten-thousandths). */
const MILESTONES = [2500, 5000, 7500];

/**
 * Tasks and their timelines in SQLite. Every mutation is one transaction that also writes the event
 * row, and returns only once committed, so whoever acknowledges a change afterwards (the hub, the
 * API) never acknowledges something a crash could take back. Listeners hear of each change after
 * its commit.
 */
export class TaskStore {
  private readonly listeners = new Set<(change: TaskChange) => void>();
  private readonly q: Record<string, Statement>;

  constructor(private readonly db: Db, private readonly now: () => Date = () => new Date()) {
    this.q = {
      insert: db.prepare(
        `INSERT INTO tasks (status, state, video_path, raw_subtitle_path, translated_subtitle_path, language, target_language, priority, created_at)
         VALUES ('queued', 'queued', @video_path, @raw_subtitle_path, @translated_subtitle_path, @language, @target_language, @priority, @created_at)`,
      ),
      get: db.prepare('SELECT * FROM tasks WHERE task_id = ?'),
      event: db.prepare('INSERT INTO task_events (task_id, at, kind, message, worker_id) VALUES (?, ?, ?, ?, ?)'),
      events: db.prepare('SELECT id, task_id, at, kind, message, worker_id FROM task_events WHERE task_id = ? ORDER BY id'),
      queued: db.prepare(`SELECT * FROM tasks WHERE status = 'queued' ORDER BY priority DESC, task_id LIMIT ?`),
      processing: db.prepare(`SELECT * FROM tasks WHERE status = 'processing' ORDER BY task_id`),
      processingFor: db.prepare(`SELECT * FROM tasks WHERE status = 'processing' AND worker_id = ? ORDER BY task_id`),
      assign: db.prepare(
        `UPDATE tasks SET status = 'processing', worker_id = @worker_id, attempts = attempts + 1, progress = 0, state = 'queued',
           started_at = @at, finished_at = NULL, dispatched_at = @dispatched_at WHERE task_id = @task_id AND status = 'queued'`,
      ),
      unassign: db.prepare(
        `UPDATE tasks SET status = 'queued', state = 'queued', worker_id = NULL, attempts = attempts - 1, progress = 0,
           started_at = NULL, dispatched_at = NULL WHERE task_id = ?`,
      ),
      progress: db.prepare('UPDATE tasks SET progress = ?, state = ? WHERE task_id = ?'),
      complete: db.prepare(
        `UPDATE tasks SET status = 'completed', state = 'completed', progress = 10000, raw_subtitle_path = ?, translated_subtitle_path = ?,
           error = NULL, finished_at = ?, dispatched_at = NULL WHERE task_id = ?`,
      ),
      requeue: db.prepare(
        `UPDATE tasks SET status = 'queued', state = 'queued', worker_id = NULL, progress = 0, error = ?, excluded_workers = ?,
           dispatched_at = NULL WHERE task_id = ?`,
      ),
      fail: db.prepare(
        `UPDATE tasks SET status = 'failed', state = 'failed', error = ?, finished_at = ?, dispatched_at = NULL WHERE task_id = ?`,
      ),
      cancel: db.prepare(`UPDATE tasks SET status = 'cancelled', state = 'cancelled', finished_at = ?, dispatched_at = NULL WHERE task_id = ?`),
      reset: db.prepare(
        `UPDATE tasks SET status = 'queued', state = 'queued', worker_id = NULL, progress = 0, attempts = 0, error = NULL,
           excluded_workers = '[]', started_at = NULL, finished_at = NULL, dispatched_at = NULL WHERE task_id = ?`,
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
      const { lastInsertRowid } = this.q.insert!.run({ ...input, created_at: this.stamp() });
      const id = Number(lastInsertRowid);
      return { id, event: this.event(id, 'queued', `queued ${input.video_path}`) };
    });
  }

  get(taskId: number): Task | undefined {
    const row = this.q.get!.get(taskId) as Row | undefined;
    return row && toTask(row);
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

  /** Queued tasks in dispatch order: priority, then first come first served. */
  queued(limit: number): QueuedTask[] {
    return (this.q.queued!.all(limit) as Row[]).map((row) => ({ ...toTask(row), excludedWorkers: JSON.parse(row.excluded_workers) as string[] }));
  }

  processing(workerId?: string): (Task & { dispatchedAt: number | null })[] {
    const rows = (workerId === undefined ? this.q.processing!.all() : this.q.processingFor!.all(workerId)) as Row[];
    return rows.map((row) => ({ ...toTask(row), dispatchedAt: row.dispatched_at }));
  }

  /** Hands a queued task to a worker; undefined if it is no longer queued (cancelled meanwhile). */
  assign(taskId: number, workerId: string): Task | undefined {
    return this.mutateIf(() => {
      const at = this.now();
      const { changes } = this.q.assign!.run({ task_id: taskId, worker_id: workerId, at: at.toISOString(), dispatched_at: at.getTime() });
      if (changes === 0) return null;
      const attempt = (this.q.get!.get(taskId) as Row).attempts;
      return { id: taskId, event: this.event(taskId, 'assigned', `assigned to ${workerId} (attempt ${attempt})`, workerId) };
    });
  }

  accepted(taskId: number, workerId: string): void {
    this.mutate(() => ({ id: taskId, event: this.event(taskId, 'accepted', `${workerId} accepted the task`, workerId) }));
  }

  /** The worker never took the task (refused, unreachable): back to the queue, the attempt not counted. */
  dispatchFailed(taskId: number, workerId: string, reason: string): Task {
    return this.mutate(() => {
      this.q.unassign!.run(taskId);
      return { id: taskId, event: this.event(taskId, 'dispatch_failed', `${workerId} did not take the task: ${reason}`, workerId) };
    });
  }

  progress(taskId: number, progress: number, state: WorkingState, previous: Task): Task {
    return this.mutate(() => {
      this.q.progress!.run(progress, state, taskId);
      const crossed = MILESTONES.find((m) => previous.progress < m && progress >= m);
      let event: TaskEvent | null = null;
      if (state !== previous.state) event = this.event(taskId, 'progress', `${state} (${formatPercent(progress)})`, previous.worker_id);
      else if (crossed !== undefined) event = this.event(taskId, 'progress', `${state} ${formatPercent(crossed)}`, previous.worker_id);
      return { id: taskId, event };
    });
  }

  complete(taskId: number, rawSubtitlePath: string, translatedSubtitlePath: string | null, workerId: string): Task {
    return this.mutate(() => {
      this.q.complete!.run(rawSubtitlePath, translatedSubtitlePath, this.stamp(), taskId);
      return { id: taskId, event: this.event(taskId, 'completed', `completed by ${workerId}`, workerId) };
    });
  }

  /**
   * An attempt failed. With retries left the task goes back to the queue, remembering the worker so
   * that another one gets it first; otherwise it fails with this error.
   */
  attemptFailed(taskId: number, error: string, workerId: string | null, retry: boolean): Task {
    return this.mutate(() => {
      const row = this.q.get!.get(taskId) as Row;
      if (!retry) {
        this.q.fail!.run(error, this.stamp(), taskId);
        return { id: taskId, event: this.event(taskId, 'failed', `failed after ${row.attempts} attempt(s): ${error}`, workerId) };
      }
      const excluded = new Set(JSON.parse(row.excluded_workers) as string[]);
      if (workerId) excluded.add(workerId);
      this.q.requeue!.run(error, JSON.stringify([...excluded]), taskId);
      return { id: taskId, event: this.event(taskId, 'retried', `retrying because ${error}`, workerId) };
    });
  }

  cancel(taskId: number): Task {
    return this.mutate(() => {
      this.q.cancel!.run(this.stamp(), taskId);
      return { id: taskId, event: this.event(taskId, 'cancelled', 'cancelled by the user') };
    });
  }

  /** A user's retry of a finished task: a fresh start with a clean slate. */
  reset(taskId: number): Task {
    return this.mutate(() => {
      this.q.reset!.run(taskId);
      return { id: taskId, event: this.event(taskId, 'queued', 'queued again by the user') };
    });
  }

  note(taskId: number, kind: TaskEventKind, message: string, workerId: string | null = null): void {
    this.mutate(() => ({ id: taskId, event: this.event(taskId, kind, message, workerId) }));
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

  private stamp(): string {
    return this.now().toISOString();
  }

  private event(taskId: number, kind: TaskEventKind, message: string, workerId: string | null = null): TaskEvent {
    const at = this.stamp();
    const { lastInsertRowid } = this.q.event!.run(taskId, at, kind, message, workerId);
    return { id: Number(lastInsertRowid), task_id: taskId, at, kind, message, worker_id: workerId };
  }

  private mutate(write: () => { id: number; event: TaskEvent | null }): Task {
    return this.mutateIf(write)!;
  }

  private mutateIf(write: () => { id: number; event: TaskEvent | null } | null): Task | undefined {
    const outcome = this.db.transaction(write)();
    if (!outcome) return undefined;
    const task = this.get(outcome.id)!;
    for (const listener of this.listeners) listener({ task, event: outcome.event });
    return task;
  }
}

export type QueuedTask = Task & { excludedWorkers: string[] };

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
