import type { Logger } from '../common/logger.js';
import type { WorkingState } from '../common/task-types.js';
import type { TaskRunner } from './client.js';

export interface StandaloneTaskInput {
  video_path: string;
  raw_subtitle_path: string;
  translated_subtitle_path: string;
  language: string | null;
}

/** A task started over the worker's REST API, as its get-status shows it. */
export interface StandaloneTask extends StandaloneTaskInput {
  task_id: number;
  progress: number;
  state: WorkingState | 'queued';
  started_at: string;
}

export interface FinishedStandaloneTask extends StandaloneTask {
  outcome: 'completed' | 'failed' | 'cancelled';
  error: string | null;
  finished_at: string;
}

/**
 * Tasks the worker runs on its own, started through its REST API (the VideoCaptioner worker's
 * standalone mode: work goes on while no master is there). Ids are its own counter; one task at
 * a time, and none while the master's work holds the slot.
 */
export class StandaloneTasks {
  private nextId = 0;
  private running: { task: StandaloneTask; controller: AbortController; done: Promise<void> } | null = null;
  private last: FinishedStandaloneTask | null = null;

  constructor(
    private readonly runner: TaskRunner,
    private readonly logger: Logger,
    /** Whether the master's work holds the slot; and a call when this side's use of it changes. */
    private readonly slot: { busyWithMasterWork(): boolean; changed(): void },
  ) {}

  get busy(): boolean {
    return this.running !== null;
  }

  get current(): StandaloneTask | null {
    return this.running ? { ...this.running.task } : null;
  }

  /** The last task that ended, for whoever polls after it finished. */
  get lastFinished(): FinishedStandaloneTask | null {
    return this.last;
  }

  /** Starts a task; its id, or why it cannot start now. */
  start(input: StandaloneTaskInput): { taskId: number } | { refused: string } {
    if (this.running) return { refused: `busy with task ${this.running.task.task_id}` };
    if (this.slot.busyWithMasterWork()) return { refused: 'busy with a task from the master' };
    const task: StandaloneTask = { ...input, task_id: ++this.nextId, progress: 0, state: 'queued', started_at: new Date().toISOString() };
    const controller = new AbortController();
    let done!: () => void;
    this.running = { task, controller, done: new Promise<void>((resolve) => (done = resolve)) };
    this.slot.changed();
    this.logger.info('task received over REST', { task: task.task_id, video: task.video_path });
    void this.execute(task, controller).finally(done);
    return { taskId: task.task_id };
  }

  /** False when that task is not the one running. */
  stop(taskId: number): boolean {
    if (this.running?.task.task_id !== taskId) return false;
    this.running.controller.abort();
    return true;
  }

  /** Stops the running task and waits until it has let go of the engine (shutdown). */
  async stopAll(): Promise<void> {
    const running = this.running;
    running?.controller.abort();
    await running?.done;
  }

  private async execute(task: StandaloneTask, controller: AbortController): Promise<void> {
    const started = { taskId: task.task_id, videoPath: task.video_path, rawSubtitlePath: task.raw_subtitle_path, translatedSubtitlePath: task.translated_subtitle_path, language: task.language ?? 'Auto' };
    let outcome: Pick<FinishedStandaloneTask, 'outcome' | 'error'>;
    try {
      const result = await this.runner.run(started, controller.signal, (progress, state) => {
        task.progress = progress;
        task.state = state;
      });
      task.raw_subtitle_path = result.rawSubtitlePath;
      task.translated_subtitle_path = result.translatedSubtitlePath;
      task.progress = 10000;
      outcome = { outcome: 'completed', error: null };
      this.logger.info('task completed', { task: task.task_id });
    } catch (error) {
      outcome = this.runner.isCancellation(error) ? { outcome: 'cancelled', error: null } : { outcome: 'failed', error: (error as Error).message };
      this.logger.warn(`task ${outcome.outcome}`, { task: task.task_id, error: outcome.error ?? undefined });
    }
    this.last = { ...task, ...outcome, finished_at: new Date().toISOString() };
    this.running = null;
    this.slot.changed();
  }
}
