import * as signalR from '@microsoft/signalr';
import { MasterMethods, WorkerMethods, type WorkerRegistration } from '../../common/hub-contract.js';
import type { StartedTask } from '../../worker/client.js';

export interface SimWorkerOptions {
  capabilities?: WorkerRegistration;
  /** The answer to StartSubtitize: true accepts; false or {accepted:false} refuses; a never-settling promise times out. */
  answer?: (task: StartedTask) => unknown;
  reconnectDelays?: number[];
  accessToken?: string;
  /** Client pings: must be well under the master's worker_timeout. */
  keepAliveIntervalMs?: number;
  /** Sent as current_task_ids when the worker registers again after a reconnect. */
  runningTasks?: () => number[];
  transport?: 'WebSockets' | 'LongPolling';
}

/**
 * A worker made of a real @microsoft/signalr connection that does no work: it registers, records
 * what the master dispatches and reports whatever a test tells it to.
 */
export class SimWorker {
  readonly started: StartedTask[] = [];
  readonly stopped: number[] = [];
  private waiters: (() => void)[] = [];
  private taken = 0;

  private constructor(readonly id: string, readonly connection: signalR.HubConnection) {}

  static async start(hubUrl: string, id: string, options: SimWorkerOptions = {}): Promise<SimWorker> {
    const builder = new signalR.HubConnectionBuilder()
      .withUrl(hubUrl, {
        transport: signalR.HttpTransportType[options.transport ?? 'WebSockets'],
        ...(options.accessToken && { accessTokenFactory: () => options.accessToken! }),
      })
      .configureLogging(signalR.LogLevel.None);
    if (options.reconnectDelays) builder.withAutomaticReconnect(options.reconnectDelays);
    if (options.keepAliveIntervalMs !== undefined) builder.withKeepAliveInterval(options.keepAliveIntervalMs);
    const worker = new SimWorker(id, builder.build());
    worker.connection.onreconnected(() => {
      const running = options.runningTasks?.();
      void worker.register(running ? { ...options.capabilities, current_task_ids: running } : options.capabilities).catch(() => {});
    });
    worker.connection.on(MasterMethods.StartSubtitize, (taskId: number, videoPath: string, rawSubtitlePath: string, translatedSubtitlePath: string, language: string) => {
      const task = { taskId, videoPath, rawSubtitlePath, translatedSubtitlePath, language };
      const answer = options.answer ? options.answer(task) : true;
      if (answer === true) {
        worker.started.push(task);
        const waiters = worker.waiters;
        worker.waiters = [];
        for (const waiter of waiters) waiter();
      }
      return answer;
    });
    worker.connection.on(MasterMethods.StopSubtitize, (taskId: number) => {
      worker.stopped.push(taskId);
    });
    worker.connection.on(MasterMethods.Ping, () => true);
    await worker.connection.start();
    await worker.register(options.capabilities);
    return worker;
  }

  register(capabilities?: WorkerRegistration): Promise<void> {
    return capabilities
      ? this.connection.invoke(WorkerMethods.RegisterWorker, this.id, `sim://${this.id}`, capabilities)
      : this.connection.invoke(WorkerMethods.RegisterWorker, this.id, `sim://${this.id}`);
  }

  /** Resolves with the next task not yet taken by an earlier call (or the `index`-th overall). */
  nextTask(timeoutMs = 5000, index?: number): Promise<StartedTask> {
    const wanted = index ?? this.taken;
    this.taken = Math.max(this.taken, wanted + 1);
    if (this.started.length > wanted) return Promise.resolve(this.started[wanted]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.id} got no task within ${timeoutMs} ms`)), timeoutMs);
      const waiter = () => {
        if (this.started.length <= wanted) return this.waiters.push(waiter);
        clearTimeout(timer);
        resolve(this.started[wanted]!);
      };
      this.waiters.push(waiter);
    });
  }

  progress(taskId: number, progress: number, state = 'transcribing'): Promise<void> {
    return this.connection.invoke(WorkerMethods.UpdateTaskProgress, taskId, progress, state);
  }

  complete(taskId: number, raw = `/out/${taskId}.srt`, translated = ''): Promise<void> {
    return this.connection.invoke(WorkerMethods.TaskCompleted, taskId, raw, translated);
  }

  fail(taskId: number, error: string): Promise<void> {
    return this.connection.invoke(WorkerMethods.TaskFailed, taskId, error);
  }

  status(status: unknown): Promise<void> {
    return this.connection.invoke(WorkerMethods.UpdateWorkerStatus, this.id, status);
  }

  async close(): Promise<void> {
    await this.connection.stop();
  }
}
