import { MasterMethods } from '../../common/hub-contract.js';
import type { Task } from '../../common/task-types.js';
import type { LiveWorker, WorkerRegistry } from './registry.js';
import type { HubClients } from './signalr/hub-caller-context.js';

/** How the scheduler reaches a worker: hand it a task (resolving once it accepted), or ask it to stop one. */
export interface WorkerChannel {
  startTask(worker: LiveWorker, task: Task): Promise<void>;
  stopTask(worker: LiveWorker, taskId: number): void;
}

export class DispatchRefused extends Error {
  override name = 'DispatchRefused';
}

/**
 * Workers on the hub: StartSubtitize goes out as a client-result invocation, and the worker's answer
 * is its acceptance. An answer of `false`, or `{accepted: false, reason}`, is a refusal.
 */
export class SignalRWorkerChannel implements WorkerChannel {
  constructor(
    private readonly clients: HubClients,
    private readonly registry: WorkerRegistry,
    private readonly acceptTimeoutMs: number,
  ) {}

  async startTask(worker: LiveWorker, task: Task): Promise<void> {
    const connectionId = this.registry.connectionOf(worker);
    if (!connectionId) throw new DispatchRefused('the worker has no connection');
    const answer = await this.clients
      .client(connectionId)
      .invoke(
        MasterMethods.StartSubtitize,
        [task.task_id, task.video_path, task.raw_subtitle_path, task.translated_subtitle_path ?? '', task.language ?? 'Auto'],
        { timeoutMs: this.acceptTimeoutMs },
      );
    if (answer === false) throw new DispatchRefused('the worker refused the task');
    if (typeof answer === 'object' && answer !== null && (answer as { accepted?: unknown }).accepted === false) {
      const reason = (answer as { reason?: unknown }).reason;
      throw new DispatchRefused(typeof reason === 'string' ? reason : 'the worker refused the task');
    }
  }

  stopTask(worker: LiveWorker, taskId: number): void {
    const connectionId = this.registry.connectionOf(worker);
    if (connectionId) this.clients.client(connectionId).send(MasterMethods.StopSubtitize, taskId);
  }
}

/** Sends each worker's dispatch through the channel its kind needs (VideoCaptioner workers take work over REST). */
export class RoutedWorkerChannel implements WorkerChannel {
  constructor(
    private readonly pick: (worker: LiveWorker) => WorkerChannel,
  ) {}

  startTask(worker: LiveWorker, task: Task): Promise<void> {
    return this.pick(worker).startTask(worker, task);
  }

  stopTask(worker: LiveWorker, taskId: number): void {
    this.pick(worker).stopTask(worker, taskId);
  }
}
