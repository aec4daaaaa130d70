import type { WorkerRegistration, WorkerStatus, WorkerStatusReport } from '../../common/hub-contract.js';
import type { Logger } from '../../common/logger.js';
import { FINISHED_STATUSES, WORKING_STATES, type Task, type WorkingState } from '../../common/task-types.js';
import type { LiveWorker, WorkerRegistry } from './registry.js';
import type { Scheduler } from './scheduler.js';
import { HubException } from './signalr/hub-definition.js';
import type { TaskStore } from './store/task-store.js';

/**
 * What workers tell the master through the hub, checked and applied. Each method resolves only
 * once its change is committed, so the hub's acknowledgement means "on disk". Reports about a
 * task the caller does not hold are refused and logged; repeated final reports are acknowledged
 * and change nothing.
 */
export class WorkerReports {
  constructor(
    private readonly store: TaskStore,
    private readonly registry: WorkerRegistry,
    private readonly scheduler: Scheduler,
    private readonly logger: Logger,
  ) {}

  /**
   * A worker (re)joins on this connection. `kind` is set by the master for workers it reaches some
   * other way (VideoCaptioner workers over REST): a hub client can neither claim one nor take the id
   * of one. A worker that joins busy with work of its own gets no task until it is free.
   */
  register(
    connectionId: string,
    workerId: string,
    endpoint: string,
    registration: WorkerRegistration | undefined,
    kind: { protocol?: string; status?: WorkerStatus } = {},
  ): Promise<void> {
    const { current_task_ids: running, protocol: _claimed, status, ...capabilities } = registration ?? {};
    const existing = this.registry.get(workerId);
    if (existing && existing.capabilities.protocol !== kind.protocol) {
      throw new HubException(`Worker id '${workerId}' belongs to a ${existing.capabilities.protocol ?? 'hub'} worker; choose another id.`);
    }
    const { worker, returning } = this.registry.register(
      workerId,
      endpoint,
      registration || kind.protocol ? { ...capabilities, ...(kind.protocol && { protocol: kind.protocol }) } : undefined,
      connectionId,
      kind.status ?? (status === 'busy' ? 'busy' : 'idle'),
    );
    this.logger.info('worker registered', { worker: workerId, endpoint, gpu: worker.capabilities.gpu_available, slots: worker.capabilities.concurrent_tasks, returning });
    if (running) this.scheduler.reconcile(worker, running, { lostIfMissing: true });
    else this.scheduler.schedule();
    return this.store.durable();
  }

  updateStatus(connectionId: string, workerId: string, report: WorkerStatusReport): Promise<void> {
    const worker = this.caller(connectionId, workerId);
    const status = typeof report === 'string' ? report : report.status;
    const capabilities = typeof report === 'string' ? undefined : report.capabilities;
    this.registry.updateStatus(worker.id, status, capabilities);
    if (typeof report !== 'string' && report.current_task_ids) {
      this.scheduler.reconcile(worker, report.current_task_ids, { lostIfMissing: false });
    } else if (status === 'idle') {
      this.scheduler.schedule();
    }
    return this.store.durable();
  }

  progress(connectionId: string, taskId: number, progress: number, state: string): Promise<void> {
    const worker = this.registry.workerFor(connectionId);
    if (!isWorkingState(state)) {
      throw new HubException(`State '${state}' is not one a worker can report; use ${WORKING_STATES.join(', ')}.`);
    }
    const task = this.heldTask(worker, taskId, 'UpdateTaskProgress');
    if (task) this.store.progress(taskId, progress, state, task);
    return this.store.durable();
  }

  completed(connectionId: string, taskId: number, rawSubtitlePath: string, translatedSubtitlePath: string | null, warnings: readonly string[] = []): Promise<void> {
    const worker = this.registry.workerFor(connectionId);
    const task = this.heldTask(worker, taskId, 'TaskCompleted');
    if (task) {
      for (const warning of warnings) this.store.note(taskId, 'warning', warning, worker!.id);
      this.store.complete(taskId, rawSubtitlePath || task.raw_subtitle_path, translatedSubtitlePath || null, worker!.id);
      this.logger.info('task completed', { task: taskId, worker: worker!.id });
      this.scheduler.released(worker!, taskId);
    }
    return this.store.durable();
  }

  failed(connectionId: string, taskId: number, error: string): Promise<void> {
    const worker = this.registry.workerFor(connectionId);
    const task = this.heldTask(worker, taskId, 'TaskFailed');
    if (task) {
      this.scheduler.retryOrFail(taskId, error || 'the worker reported a failure without a message', worker!.id);
      this.scheduler.released(worker!, taskId);
    }
    return this.store.durable();
  }

  connectionClosed(connectionId: string): void {
    const worker = this.registry.connectionClosed(connectionId);
    if (worker && worker.connections.length === 0) {
      this.logger.info('worker disconnected', { worker: worker.id, tasks: [...worker.tasks] });
    }
  }

  /** Any hub call from a registered worker proves it alive. */
  seen(connectionId: string): void {
    const worker = this.registry.workerFor(connectionId);
    if (worker) this.registry.touch(worker);
  }

  private caller(connectionId: string, workerId: string): LiveWorker {
    const worker = this.registry.workerFor(connectionId);
    if (!worker) throw new HubException('This connection has not registered: call RegisterWorker first.');
    if (worker.id !== workerId) throw new HubException(`This connection is registered as '${worker.id}', not '${workerId}'.`);
    return worker;
  }

  /**
   * The task, if this report should change it; undefined when it is already finished (the report is
   * a repeat and changes nothing). Throws when the caller does not hold the task.
   */
  private heldTask(worker: LiveWorker | undefined, taskId: number, method: string): Task | undefined {
    if (!worker) throw new HubException('This connection has not registered: call RegisterWorker first.');
    const task = this.store.get(taskId);
    if (!task) {
      this.logger.warn(`${method} for an unknown task`, { worker: worker.id, task: taskId });
      throw new HubException(`Task ${taskId} does not exist.`);
    }
    if (FINISHED_STATUSES.includes(task.status)) return undefined;
    if (task.status !== 'processing' || task.worker_id !== worker.id) {
      this.logger.warn(`${method} for a task the worker does not hold`, { worker: worker.id, task: taskId, status: task.status, holder: task.worker_id ?? undefined });
      throw new HubException(`Task ${taskId} is not assigned to worker '${worker.id}'.`);
    }
    return task;
  }
}

function isWorkingState(state: string): state is WorkingState {
  return (WORKING_STATES as readonly string[]).includes(state);
}
