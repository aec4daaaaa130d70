import type { Statement } from 'better-sqlite3';
import type { Task, TaskEvent, TaskEventKind, TaskState, TaskStatus, WorkingState } from '../../../common/task-types.js';
import type { Db } from './database.js';
import type { GroupCommit } from './group-commit.js';
import { ReadyQueue } from './ready-queue.js';

export type NewTask = Pick<Task, 'video_path' | 'raw_subtitle_path' | 'translated_subtitle_path' | 'language' | 'target_language' | 'priority'>;

export interface TaskChange {
  task: Task;
  event: TaskEvent | null;
}

type Row = Task & { excluded_workers: string; dispatched_at: number | null };

/** An unfinished task as the store mirrors it: the public record plus what only scheduling needs. */
interface Mirrored {
  task: Task;
  /** Workers this task already failed on. */
  excludedWorkers: readonly string[];
  /** When the current attempt was sent out (ms), for task_timeout. */
  dispatchedAt: number | null;
}

type OutcomeKind = Extract<TaskEventKind, 'completed' | 'retried' | 'failed'>;

/** Progress milestones worth a line in a task's timeline (ten-thousandths). */
const MILESTONES = [2500, 5000, 7500];
/** Timeline rows written per INSERT statement when a batch commits. */
const EVENT_ROWS_PER_INSERT = 32;

/**
 * Tasks and their timelines in SQLite, with every unfinished task mirrored in memory: the
 * scheduler's reads (the queue's head, a task's holder, what runs where) never touch the disk.
 * Every mutation changes mirror and row together; it becomes durable with the turn's group commit,
 * which whoever acknowledges the change (the hub, the API) awaits through `durable()`, so nothing
 * acknowledged can be taken back by a crash. Timeline rows and progress are written when the batch
 * commits, many per statement. Listeners hear of each change after its commit. If a batch is rolled
 * back, the mirror is reloaded from the database.
 */
export class TaskStore {
  private readonly listeners = new Set<(change: TaskChange) => void>();
  private readonly reloadListeners: (() => void)[] = [];
  private readonly unfinished = new Map<number, Mirrored>();
  private readonly ready = new ReadyQueue();
  /** Progress reports wait here for the batch's commit: several for one task in a batch become one row update. */
  private readonly pendingProgress = new Map<number, { progress: number; state: WorkingState }>();
  private pendingEvents: TaskEvent[] = [];
  /** Outcome counts this batch adds, by worker and kind (the metrics' failure rate and retry count). */
  private readonly pendingOutcomes = new Map<string, { workerId: string; kind: OutcomeKind; n: number }>();
  private lastEventId = 0;
  private lastStamp = { ms: Number.NaN, iso: '' };
  private readonly insertEvents: Statement;
  private readonly q: Record<string, Statement>;

  constructor(
    private readonly db: Db,
    private readonly commits: GroupCommit,
    private readonly now: () => Date = () => new Date(),
  ) {
    commits.onBeforeCommit(() => this.writePending());
    commits.onRollback(() => {
      this.reload();
      for (const listener of this.reloadListeners) listener();
    });
    const eventRow = '(?, ?, ?, ?, ?, ?)';
    this.insertEvents = db.prepare(
      `INSERT INTO task_events (id, task_id, at, kind, message, worker_id) VALUES ${Array(EVENT_ROWS_PER_INSERT).fill(eventRow).join(', ')}`,
    );
    this.q = {
      insert: db.prepare(
        `INSERT INTO tasks (status, state, video_path, raw_subtitle_path, translated_subtitle_path, language, target_language, priority, created_at)
         VALUES ('queued', 'queued', @video_path, @raw_subtitle_path, @translated_subtitle_path, @language, @target_language, @priority, @created_at)`,
      ),
      get: db.prepare('SELECT * FROM tasks WHERE task_id = ?'),
      unfinished: db.prepare(`SELECT * FROM tasks WHERE status IN ('queued', 'processing') ORDER BY task_id`),
      lastEventId: db.prepare(
        `SELECT MAX(COALESCE((SELECT MAX(id) FROM task_events), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'task_events'), 0)) AS id`,
      ),
      event: db.prepare('INSERT INTO task_events (id, task_id, at, kind, message, worker_id) VALUES (?, ?, ?, ?, ?, ?)'),
      events: db.prepare('SELECT id, task_id, at, kind, message, worker_id FROM task_events WHERE task_id = ? ORDER BY id'),
      assign: db.prepare(
        `UPDATE tasks SET status = 'processing', worker_id = ?, attempts = ?, progress = 0, state = 'queued',
           started_at = ?, finished_at = NULL, dispatched_at = ? WHERE task_id = ?`,
      ),
      unassign: db.prepare(
        `UPDATE tasks SET status = 'queued', state = 'queued', worker_id = NULL, attempts = ?, progress = 0,
           started_at = NULL, dispatched_at = NULL WHERE task_id = ?`,
      ),
      progress: db.prepare(`UPDATE tasks SET progress = ?, state = ? WHERE task_id = ? AND status = 'processing'`),
      complete: db.prepare(
        `UPDATE tasks SET status = 'completed', state = 'completed', progress = 10000, raw_subtitle_path = ?, translated_subtitle_path = ?,
           error = NULL, finished_at = ?, dispatched_at = NULL WHERE task_id = ?`,
      ),
      requeue: db.prepare(
        `UPDATE tasks SET status = 'queued', state = 'queued', worker_id = NULL, progress = 0, error = ?, excluded_workers = ?,
           dispatched_at = NULL WHERE task_id = ?`,
      ),
      fail: db.prepare(`UPDATE tasks SET status = 'failed', state = 'failed', error = ?, finished_at = ?, dispatched_at = NULL WHERE task_id = ?`),
      cancel: db.prepare(`UPDATE tasks SET status = 'cancelled', state = 'cancelled', finished_at = ?, dispatched_at = NULL WHERE task_id = ?`),
      reset: db.prepare(
        `UPDATE tasks SET status = 'queued', state = 'queued', worker_id = NULL, progress = 0, attempts = 0, error = NULL,
           excluded_workers = '[]', started_at = NULL, finished_at = NULL, dispatched_at = NULL WHERE task_id = ?`,
      ),
      countByStatus: db.prepare('SELECT status, COUNT(*) AS n FROM tasks GROUP BY status'),
      outcomes: db.prepare(`SELECT worker_id, kind, n FROM task_outcomes WHERE worker_id <> ''`),
      countOutcome: db.prepare(
        `INSERT INTO task_outcomes (worker_id, kind, n) VALUES (?, ?, ?) ON CONFLICT (worker_id, kind) DO UPDATE SET n = n + excluded.n`,
      ),
      listAll: db.prepare('SELECT * FROM tasks ORDER BY task_id DESC LIMIT ? OFFSET ?'),
      listByStatus: db.prepare('SELECT * FROM tasks WHERE status = ? ORDER BY task_id DESC LIMIT ? OFFSET ?'),
      countAll: db.prepare('SELECT COUNT(*) AS n FROM tasks'),
      retries: db.prepare(`SELECT COALESCE(SUM(n), 0) AS n FROM task_outcomes WHERE kind = 'retried'`),
      meanDuration: db.prepare(
        `SELECT AVG((julianday(finished_at) - julianday(started_at)) * 86400.0) AS seconds, COUNT(*) AS n
         FROM (SELECT started_at, finished_at FROM tasks WHERE status = 'completed' AND started_at IS NOT NULL ORDER BY task_id DESC LIMIT 1000)`,
      ),
    };
    this.reload();
  }

  /** Hears when the mirror was reloaded after a rolled-back batch, so that state built on it can be rebuilt. */
  onReload(listener: () => void): void {
    this.reloadListeners.push(listener);
  }

  onChange(listener: (change: TaskChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  create(input: NewTask): Task {
    return this.createMany([input])[0]!;
  }

  /** All or none: one failing row rolls the whole batch back. */
  createMany(inputs: readonly NewTask[]): Task[] {
    const changes = this.commits.write(() => {
      const createdAt = this.stamp();
      return inputs.map((input) => {
        const { lastInsertRowid } = this.q.insert!.run({ ...input, created_at: createdAt });
        const task: Task = {
          task_id: Number(lastInsertRowid),
          status: 'queued',
          state: 'queued',
          worker_id: null,
          video_path: input.video_path,
          raw_subtitle_path: input.raw_subtitle_path,
          translated_subtitle_path: input.translated_subtitle_path,
          language: input.language,
          target_language: input.target_language,
          priority: input.priority,
          progress: 0,
          attempts: 0,
          error: null,
          created_at: createdAt,
          started_at: null,
          finished_at: null,
        };
        this.mirror({ task, excludedWorkers: [], dispatchedAt: null });
        return { task, event: this.event(task.task_id, 'queued', `queued ${input.video_path}`) };
      });
    });
    return changes.map(({ task, event }) => this.publish(task, event));
  }

  get(taskId: number): Task | undefined {
    const mirrored = this.unfinished.get(taskId);
    if (mirrored) return mirrored.task;
    const row = this.q.get!.get(taskId) as Row | undefined;
    return row && toTask(row);
  }

  /** Newest first. */
  list(filter: { status?: TaskStatus; limit: number; offset: number }): { tasks: Task[]; total: number } {
    this.writeHeldBack();
    const rows = (
      filter.status ? this.q.listByStatus!.all(filter.status, filter.limit, filter.offset) : this.q.listAll!.all(filter.limit, filter.offset)
    ) as Row[];
    const total = filter.status ? this.countByStatus()[filter.status] : (this.q.countAll!.get() as { n: number }).n;
    return { tasks: rows.map(toTask), total };
  }

  events(taskId: number): TaskEvent[] {
    this.writeHeldBack();
    return this.q.events!.all(taskId) as TaskEvent[];
  }

  /** Resolves once every change made so far is on disk. */
  durable(): Promise<void> {
    return this.commits.durable();
  }

  /** The head of the queue in dispatch order (priority, then first come first served): ids and who to avoid. */
  queued(limit: number): QueuedTask[] {
    return this.ready.head(limit).map((taskId) => ({ task_id: taskId, excludedWorkers: this.unfinished.get(taskId)!.excludedWorkers }));
  }

  processing(workerId?: string): (Task & { dispatchedAt: number | null })[] {
    const out: (Task & { dispatchedAt: number | null })[] = [];
    for (const { task, dispatchedAt } of this.unfinished.values()) {
      if (task.status === 'processing' && (workerId === undefined || task.worker_id === workerId)) out.push({ ...task, dispatchedAt });
    }
    return out;
  }

  /** Hands a queued task to a worker; undefined if it is no longer queued (cancelled meanwhile). */
  assign(taskId: number, workerId: string): Task | undefined {
    const current = this.unfinished.get(taskId);
    if (current?.task.status !== 'queued') return undefined;
    return this.commits.write(() => {
      const at = this.now();
      const startedAt = at.toISOString();
      const attempts = current.task.attempts + 1;
      this.q.assign!.run(workerId, attempts, startedAt, at.getTime(), taskId);
      const task: Task = { ...current.task, status: 'processing', worker_id: workerId, attempts, progress: 0, state: 'queued', started_at: startedAt, finished_at: null };
      this.mirror({ ...current, task, dispatchedAt: at.getTime() });
      return this.publish(task, this.event(taskId, 'assigned', `assigned to ${workerId} (attempt ${attempts})`, workerId));
    });
  }

  /** The worker never took the task (refused, unreachable): back to the queue, the attempt not counted. */
  dispatchFailed(taskId: number, workerId: string, reason: string): Task {
    const current = this.mirrored(taskId);
    return this.commits.write(() => {
      const attempts = current.task.attempts - 1;
      this.q.unassign!.run(attempts, taskId);
      const task: Task = { ...current.task, status: 'queued', state: 'queued', worker_id: null, attempts, progress: 0, started_at: null };
      this.mirror({ ...current, task, dispatchedAt: null });
      return this.publish(task, this.event(taskId, 'dispatch_failed', `${workerId} did not take the task: ${reason}`, workerId));
    });
  }

  /**
   * A progress report on a running task. The row is written with the batch's commit, so a worker
   * reporting several times within one batch costs one update; the timeline gets a line when the
   * state changes or a milestone is crossed.
   */
  progress(taskId: number, progress: number, state: WorkingState, previous: Task): Task {
    const current = this.mirrored(taskId);
    const crossed = MILESTONES.find((m) => previous.progress < m && progress >= m);
    return this.commits.write(() => {
      this.pendingProgress.set(taskId, { progress, state });
      const task: Task = { ...current.task, progress, state };
      this.mirror({ ...current, task });
      let event: TaskEvent | null = null;
      if (state !== previous.state) event = this.event(taskId, 'progress', `${state} (${formatPercent(progress)})`, previous.worker_id);
      else if (crossed !== undefined) event = this.event(taskId, 'progress', `${state} ${formatPercent(crossed)}`, previous.worker_id);
      return this.publish(task, event);
    });
  }

  complete(taskId: number, rawSubtitlePath: string, translatedSubtitlePath: string | null, workerId: string): Task {
    const current = this.mirrored(taskId);
    return this.commits.write(() => {
      const finishedAt = this.stamp();
      this.q.complete!.run(rawSubtitlePath, translatedSubtitlePath, finishedAt, taskId);
      const task: Task = {
        ...current.task,
        status: 'completed',
        state: 'completed',
        progress: 10000,
        raw_subtitle_path: rawSubtitlePath,
        translated_subtitle_path: translatedSubtitlePath,
        error: null,
        finished_at: finishedAt,
      };
      this.finish(taskId);
      return this.publish(task, this.event(taskId, 'completed', `completed by ${workerId}`, workerId));
    });
  }

  /**
   * An attempt failed. With retries left the task goes back to the queue, remembering the worker so
   * that another one gets it first; otherwise it fails with this error.
   */
  attemptFailed(taskId: number, error: string, workerId: string | null, retry: boolean): Task {
    const current = this.mirrored(taskId);
    return this.commits.write(() => {
      if (!retry) {
        const finishedAt = this.stamp();
        this.q.fail!.run(error, finishedAt, taskId);
        this.finish(taskId);
        const task: Task = { ...current.task, status: 'failed', state: 'failed', error, finished_at: finishedAt };
        return this.publish(task, this.event(taskId, 'failed', `failed after ${current.task.attempts} attempt(s): ${error}`, workerId));
      }
      const excludedWorkers = workerId && !current.excludedWorkers.includes(workerId) ? [...current.excludedWorkers, workerId] : current.excludedWorkers;
      this.q.requeue!.run(error, JSON.stringify(excludedWorkers), taskId);
      const task: Task = { ...current.task, status: 'queued', state: 'queued', worker_id: null, progress: 0, error };
      this.mirror({ task, excludedWorkers, dispatchedAt: null });
      return this.publish(task, this.event(taskId, 'retried', `retrying because ${error}`, workerId));
    });
  }

  cancel(taskId: number): Task {
    const current = this.mirrored(taskId);
    return this.commits.write(() => {
      const finishedAt = this.stamp();
      this.q.cancel!.run(finishedAt, taskId);
      this.finish(taskId);
      const task: Task = { ...current.task, status: 'cancelled', state: 'cancelled', finished_at: finishedAt };
      return this.publish(task, this.event(taskId, 'cancelled', 'cancelled by the user'));
    });
  }

  /** A user's retry of a finished task: a fresh start with a clean slate. */
  reset(taskId: number): Task {
    const finished = this.get(taskId);
    if (!finished) throw new Error(`task ${taskId} does not exist`);
    return this.commits.write(() => {
      this.q.reset!.run(taskId);
      const task: Task = { ...finished, status: 'queued', state: 'queued', worker_id: null, progress: 0, attempts: 0, error: null, started_at: null, finished_at: null };
      this.mirror({ task, excludedWorkers: [], dispatchedAt: null });
      return this.publish(task, this.event(taskId, 'queued', 'queued again by the user'));
    });
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
    this.writeHeldBack();
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
    this.writeHeldBack();
    return (this.q.retries!.get() as { n: number }).n;
  }

  /** Mean wall time of the last 1000 completed tasks, start of the final attempt to finish. */
  meanDurationSeconds(): { seconds: number | null; count: number } {
    const row = this.q.meanDuration!.get() as { seconds: number | null; n: number };
    return { seconds: row.seconds, count: row.n };
  }

  /** Loads the mirror from the database: at start, and after a batch was rolled back. */
  private reload(): void {
    this.unfinished.clear();
    this.ready.clear();
    this.pendingProgress.clear();
    this.pendingEvents = [];
    this.pendingOutcomes.clear();
    for (const row of this.q.unfinished!.all() as Row[]) {
      this.mirror({ task: toTask(row), excludedWorkers: JSON.parse(row.excluded_workers) as string[], dispatchedAt: row.dispatched_at });
    }
    this.lastEventId = (this.q.lastEventId!.get() as { id: number }).id;
  }

  private mirrored(taskId: number): Mirrored {
    const current = this.unfinished.get(taskId);
    if (!current) throw new Error(`task ${taskId} is not unfinished`);
    return current;
  }

  /** Puts an unfinished task's new state in the mirror, and in the ready queue while it is queued. */
  private mirror(entry: Mirrored): void {
    const { task } = entry;
    const previous = this.unfinished.get(task.task_id);
    if (previous?.task.status === 'queued' && (task.status !== 'queued' || task.priority !== previous.task.priority)) {
      this.ready.remove(task.task_id, previous.task.priority);
    }
    if (task.status === 'queued' && previous?.task.status !== 'queued') this.ready.add(task.task_id, task.priority);
    // Progress held back for the batch belongs to the attempt that reported it: a requeue or a new
    // assignment in the same batch must not have it written over its fresh row.
    if (previous && (previous.task.status !== task.status || previous.task.worker_id !== task.worker_id)) this.pendingProgress.delete(task.task_id);
    this.unfinished.set(task.task_id, entry);
  }

  private finish(taskId: number): void {
    const previous = this.unfinished.get(taskId);
    if (previous?.task.status === 'queued') this.ready.remove(taskId, previous.task.priority);
    this.unfinished.delete(taskId);
    this.pendingProgress.delete(taskId);
  }

  /** Before a read: what the batch holds back goes into its transaction, so the read sees it (a failure rolls the batch back). */
  private writeHeldBack(): void {
    if (this.pendingEvents.length > 0 || this.pendingProgress.size > 0 || this.pendingOutcomes.size > 0) {
      this.commits.write(() => this.writePending());
    }
  }

  /** Writes what waits for the batch's commit: timeline rows, many per statement, and the last progress of each task. */
  private writePending(): void {
    const events = this.pendingEvents;
    if (events.length > 0) {
      this.pendingEvents = [];
      let i = 0;
      const args: unknown[] = [];
      for (; i + EVENT_ROWS_PER_INSERT <= events.length; i += EVENT_ROWS_PER_INSERT) {
        args.length = 0;
        for (let j = i; j < i + EVENT_ROWS_PER_INSERT; j++) {
          const e = events[j]!;
          args.push(e.id, e.task_id, e.at, e.kind, e.message, e.worker_id);
        }
        this.insertEvents.run(args);
      }
      for (; i < events.length; i++) {
        const e = events[i]!;
        this.q.event!.run(e.id, e.task_id, e.at, e.kind, e.message, e.worker_id);
      }
    }
    for (const [taskId, { progress, state }] of this.pendingProgress) {
      this.q.progress!.run(progress, state, taskId);
    }
    this.pendingProgress.clear();
    for (const { workerId, kind, n } of this.pendingOutcomes.values()) this.q.countOutcome!.run(workerId, kind, n);
    this.pendingOutcomes.clear();
  }

  /** The current time as ISO text; one string per millisecond however many writes share it. */
  private stamp(): string {
    const at = this.now();
    const ms = at.getTime();
    if (ms !== this.lastStamp.ms) this.lastStamp = { ms, iso: at.toISOString() };
    return this.lastStamp.iso;
  }

  /** A timeline line; written with the batch's commit (its id is known now, since only the master writes). */
  private event(taskId: number, kind: TaskEventKind, message: string, workerId: string | null = null): TaskEvent {
    const event: TaskEvent = { id: ++this.lastEventId, task_id: taskId, at: this.stamp(), kind, message, worker_id: workerId };
    this.pendingEvents.push(event);
    if (kind === 'completed' || kind === 'retried' || kind === 'failed') {
      const key = `${workerId ?? ''}\n${kind}`;
      const counted = this.pendingOutcomes.get(key);
      if (counted) counted.n++;
      else this.pendingOutcomes.set(key, { workerId: workerId ?? '', kind, n: 1 });
    }
    return event;
  }

  private publish(task: Task, event: TaskEvent | null): Task {
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
  excludedWorkers: readonly string[];
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
