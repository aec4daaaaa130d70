import * as signalR from '@microsoft/signalr';
import { MasterMethods, WorkerMethods, type WorkerRegistration } from '../common/hub-contract.js';
import type { Logger } from '../common/logger.js';
import type { WorkingState } from '../common/task-types.js';

/** What the client needs from whoever does the work. */
export interface TaskRunner {
  /** Starts a task; resolves with the output paths, or rejects with the reason it failed. */
  run(
    task: StartedTask,
    signal: AbortSignal,
    report: (progress: number, state: WorkingState) => void,
  ): Promise<{ rawSubtitlePath: string; translatedSubtitlePath: string; warnings?: string[] }>;
  isCancellation(error: unknown): boolean;
}

export interface StartedTask {
  taskId: number;
  videoPath: string;
  rawSubtitlePath: string;
  translatedSubtitlePath: string;
  language: string;
}

export interface WorkerClientOptions {
  hubUrl: string;
  workerId: string;
  endpoint: string;
  capabilities: WorkerRegistration;
  accessToken?: string;
  /** Least time between two progress reports of one task. */
  progressIntervalMs?: number;
  /** How long before a final report the master could not record (its disk failed, say) is sent again. */
  redeliverAfterMs?: number;
  /** True while the worker is busy with work the master did not give it (a task started over REST). */
  busyElsewhere?: () => boolean;
}

type Outcome = { kind: 'completed'; raw: string; translated: string; warnings: string[] } | { kind: 'failed'; error: string };

/**
 * A worker's side of the hub: registers (again after every reconnect, with the tasks it still
 * runs), accepts StartSubtitize as a client result, reports progress without waiting, and holds
 * each final report until the master has acknowledged it, across disconnects.
 */
export class WorkerClient {
  private readonly connection: signalR.HubConnection;
  private readonly running = new Map<number, AbortController>();
  /** Final reports not yet acknowledged by the master. */
  private readonly unacknowledged = new Map<number, Outcome>();
  private readonly lastProgress = new Map<number, number>();
  private readonly redeliveries = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly options: WorkerClientOptions,
    private readonly runner: TaskRunner,
    private readonly logger: Logger,
  ) {
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl(options.hubUrl, {
        transport: signalR.HttpTransportType.WebSockets,
        ...(options.accessToken && { accessTokenFactory: () => options.accessToken! }),
      })
      // Forever: a worker outlives master restarts. 0, 2, 5, 10 s, then every 30 s.
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => [0, 2000, 5000, 10000][ctx.previousRetryCount] ?? 30000 })
      .configureLogging(signalR.LogLevel.None)
      .build();
    this.connection.on(MasterMethods.StartSubtitize, (taskId: number, videoPath: string, rawSubtitlePath: string, translatedSubtitlePath: string, language: string) =>
      this.accept({ taskId, videoPath, rawSubtitlePath, translatedSubtitlePath, language }),
    );
    this.connection.on(MasterMethods.StopSubtitize, (taskId: number) => {
      this.logger.info('stop requested', { task: taskId });
      this.running.get(taskId)?.abort();
    });
    this.connection.on(MasterMethods.Ping, () => true);
    this.connection.onreconnected(() => void this.register().catch((error: Error) => this.logger.warn('register after reconnect failed', { error: error.message })));
    this.connection.onreconnecting((error) => this.logger.warn('connection to the master lost; reconnecting', { error: error?.message }));
    this.connection.onclose(() => {
      if (!this.stopped) void this.connectWithRetry();
    });
  }

  /** The hub connection's id while connected. */
  get connectionId(): string | null {
    return this.connection.connectionId;
  }

  /** Whether it holds no slot for another of the master's tasks. */
  get busy(): boolean {
    return this.running.size >= (this.options.capabilities.concurrent_tasks ?? 1) || (this.options.busyElsewhere?.() ?? false);
  }

  /** The master's tasks it is running now. */
  get runningTaskIds(): number[] {
    return [...this.running.keys()];
  }

  get hubUrl(): string {
    return this.options.hubUrl;
  }

  /** Tells the master whether it is busy now (work it did not give started or ended). */
  reportStatus(): void {
    void this.status();
  }

  /** Connects and registers, retrying until the master is there; false if stopped before that. */
  async start(): Promise<boolean> {
    await this.connectWithRetry();
    return !this.stopped;
  }

  /** Results finished for the master that it has not acknowledged yet. */
  get pendingResults(): number[] {
    return [...this.unacknowledged.keys()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.redeliveries) clearTimeout(timer);
    this.redeliveries.clear();
    for (const controller of this.running.values()) controller.abort();
    await this.connection.stop();
  }

  private async connectWithRetry(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        if (this.connection.state === signalR.HubConnectionState.Disconnected) {
          await this.connection.start();
          this.logger.info('connected to the master', { hub: this.options.hubUrl, worker: this.options.workerId });
        }
        await this.register();
        return;
      } catch (error) {
        const delay = [1000, 2000, 5000, 10000][attempt] ?? 30000;
        this.logger.warn('cannot reach the master; retrying', { hub: this.options.hubUrl, error: (error as Error).message, retryInMs: delay });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async register(): Promise<void> {
    // Tasks finished while away are still ours until the master has their result.
    await this.connection.invoke(WorkerMethods.RegisterWorker, this.options.workerId, this.options.endpoint, {
      ...this.options.capabilities,
      current_task_ids: [...this.running.keys(), ...this.unacknowledged.keys()],
      // Work of its own holds the slot: joining as idle would draw a task it must refuse.
      ...(this.options.busyElsewhere?.() && { status: 'busy' as const }),
    });
    // Results finished while the master was away.
    for (const [taskId, outcome] of this.unacknowledged) void this.deliver(taskId, outcome);
  }

  private accept(task: StartedTask): unknown {
    if (this.running.has(task.taskId)) return true;
    if (this.busy) return { accepted: false, reason: this.running.size > 0 ? `busy with task ${[...this.running.keys()].join(', ')}` : 'busy with a task of its own' };
    const controller = new AbortController();
    this.running.set(task.taskId, controller);
    this.logger.info('task received', { task: task.taskId, video: task.videoPath });
    void this.status();
    void this.execute(task, controller);
    return true;
  }

  private async execute(task: StartedTask, controller: AbortController): Promise<void> {
    let outcome: Outcome | null;
    try {
      const result = await this.runner.run(task, controller.signal, (progress, state) => this.progress(task.taskId, progress, state));
      outcome = { kind: 'completed', raw: result.rawSubtitlePath, translated: result.translatedSubtitlePath, warnings: result.warnings ?? [] };
      this.logger.info('task completed', { task: task.taskId });
    } catch (error) {
      // Stopped by the master: it already counts the task as cancelled, so nothing is reported.
      outcome = this.runner.isCancellation(error) ? null : { kind: 'failed', error: (error as Error).message };
      if (outcome) this.logger.warn('task failed', { task: task.taskId, error: (error as Error).message });
    } finally {
      this.running.delete(task.taskId);
      this.lastProgress.delete(task.taskId);
    }
    if (outcome) {
      this.unacknowledged.set(task.taskId, outcome);
      await this.deliver(task.taskId, outcome);
    }
    void this.status();
  }

  private progress(taskId: number, progress: number, state: WorkingState): void {
    const now = Date.now();
    const interval = this.options.progressIntervalMs ?? 500;
    if (progress < 10000 && now - (this.lastProgress.get(taskId) ?? 0) < interval) return;
    this.lastProgress.set(taskId, now);
    if (this.connection.state !== signalR.HubConnectionState.Connected) return;
    // Not awaited: the hub handles one connection's calls in order, so the acknowledged final
    // report also vouches for every progress report before it.
    this.connection.send(WorkerMethods.UpdateTaskProgress, taskId, progress, state).catch(() => {});
  }

  private async deliver(taskId: number, outcome: Outcome): Promise<void> {
    if (this.connection.state !== signalR.HubConnectionState.Connected) return; // sent on re-register
    try {
      if (outcome.kind === 'completed') await this.connection.invoke(WorkerMethods.TaskCompleted, taskId, outcome.raw, outcome.translated, outcome.warnings);
      else await this.connection.invoke(WorkerMethods.TaskFailed, taskId, outcome.error);
      this.unacknowledged.delete(taskId);
    } catch (error) {
      const message = (error as Error).message;
      // The master refused it for good (not ours any more, unknown): keeping it would retry forever.
      if (/not assigned to worker|does not exist/.test(message)) this.unacknowledged.delete(taskId);
      else this.redeliverLater(taskId);
      this.logger.warn('final report not acknowledged', { task: taskId, error: message });
    }
  }

  /** The master could not record the result this time: try again, as a reconnect would. */
  private redeliverLater(taskId: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.redeliveries.delete(timer);
      const outcome = this.unacknowledged.get(taskId);
      if (outcome) void this.deliver(taskId, outcome);
    }, this.options.redeliverAfterMs ?? 5000);
    this.redeliveries.add(timer);
  }

  private async status(): Promise<void> {
    if (this.connection.state !== signalR.HubConnectionState.Connected) return;
    await this.connection
      .invoke(WorkerMethods.UpdateWorkerStatus, this.options.workerId, { status: this.busy ? 'busy' : 'idle', current_task_ids: [...this.running.keys()] })
      .catch((error: Error) => this.logger.debug('status report failed', { error: error.message }));
  }
}
