import type { WorkerCapabilities, WorkerStatus } from '../../common/hub-contract.js';
import type { Worker } from '../../common/task-types.js';
import type { WorkerStore } from './store/worker-store.js';

/** A worker as the scheduler sees it: identity, what it can do, how to reach it, what it runs. */
export interface LiveWorker {
  readonly id: string;
  endpoint: string;
  reportedStatus: WorkerStatus;
  capabilities: WorkerCapabilities & { gpu_available: boolean; concurrent_tasks: number };
  /** Hub connections under this id, oldest first; the newest is used to reach the worker. */
  readonly connections: string[];
  /** Task ids the master has handed to this worker and not yet seen finish. */
  readonly tasks: Set<number>;
  registeredAt: string;
  lastSeenMs: number;
  /** When the last connection went away; the worker_timeout clock runs from here. */
  disconnectedAtMs: number | null;
  offline: boolean;
  /** No dispatch before this time: set after the worker failed to take a task. */
  cooldownUntilMs: number;
}

const PERSIST_SEEN_EVERY_MS = 10_000;

function normalise(capabilities: WorkerCapabilities | undefined, previous?: LiveWorker['capabilities']): LiveWorker['capabilities'] {
  return {
    ...previous,
    ...capabilities,
    gpu_available: capabilities?.gpu_available ?? previous?.gpu_available ?? false,
    concurrent_tasks: capabilities?.concurrent_tasks ?? previous?.concurrent_tasks ?? 1,
  };
}

/**
 * Every worker the master knows, live or not. A worker is its id: a reconnect under the same id is
 * the same worker, with its tasks. Liveness is "a message within worker_timeout", where the hub's
 * keep-alive pings count as messages.
 */
export class WorkerRegistry {
  private readonly workers = new Map<string, LiveWorker>();
  private readonly byConnection = new Map<string, string>();
  private readonly persistedSeen = new Map<string, number>();
  private readonly listeners = new Set<(worker: LiveWorker) => void>();

  constructor(
    private readonly store: WorkerStore,
    private readonly workerTimeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {
    // Workers from before a restart get one worker_timeout to come back before their tasks move.
    const startedAt = this.now();
    for (const record of store.all()) {
      this.workers.set(record.worker_id, {
        id: record.worker_id,
        endpoint: record.endpoint,
        reportedStatus: record.reported_status,
        capabilities: normalise(record.capabilities),
        connections: [],
        tasks: new Set(),
        registeredAt: record.registered_at,
        lastSeenMs: Date.parse(record.last_seen),
        disconnectedAtMs: startedAt,
        offline: false,
        cooldownUntilMs: 0,
      });
    }
  }

  /** Hears of registrations, status reports, disconnects and workers going offline. */
  onChange(listener: (worker: LiveWorker) => void): void {
    this.listeners.add(listener);
  }

  /** Registers or re-registers a worker on a connection; returns it and whether it was offline or unknown before. */
  register(
    workerId: string,
    endpoint: string,
    capabilities: WorkerCapabilities | undefined,
    connectionId: string,
    status: WorkerStatus = 'idle',
  ): { worker: LiveWorker; returning: boolean } {
    const now = this.now();
    const existing = this.workers.get(workerId);
    const worker: LiveWorker = existing ?? {
      id: workerId,
      endpoint,
      reportedStatus: 'idle',
      capabilities: normalise(capabilities),
      connections: [],
      tasks: new Set(),
      registeredAt: new Date(now).toISOString(),
      lastSeenMs: now,
      disconnectedAtMs: null,
      offline: false,
      cooldownUntilMs: 0,
    };
    const returning = !existing || existing.offline || existing.connections.length === 0;
    worker.endpoint = endpoint;
    worker.capabilities = normalise(capabilities, existing?.capabilities);
    worker.reportedStatus = status;
    worker.offline = false;
    worker.disconnectedAtMs = null;
    worker.cooldownUntilMs = 0;
    worker.lastSeenMs = now;
    if (!worker.connections.includes(connectionId)) worker.connections.push(connectionId);
    const previousOwner = this.byConnection.get(connectionId);
    if (previousOwner && previousOwner !== workerId) this.detach(previousOwner, connectionId);
    this.byConnection.set(connectionId, workerId);
    this.workers.set(workerId, worker);
    this.persist(worker);
    this.changed(worker);
    return { worker, returning };
  }

  updateStatus(workerId: string, status: WorkerStatus, capabilities?: WorkerCapabilities): LiveWorker | undefined {
    const worker = this.workers.get(workerId);
    if (!worker) return undefined;
    worker.reportedStatus = status;
    if (capabilities) worker.capabilities = normalise(capabilities, worker.capabilities);
    this.touch(worker);
    this.store.status(worker.id, status, worker.capabilities, new Date(worker.lastSeenMs).toISOString());
    this.changed(worker);
    return worker;
  }

  /** The worker a hub connection registered as, if any. */
  workerFor(connectionId: string): LiveWorker | undefined {
    const id = this.byConnection.get(connectionId);
    return id === undefined ? undefined : this.workers.get(id);
  }

  /** Any message from the worker proves it is alive, and brings it back if it was taken for gone. */
  touch(worker: LiveWorker): void {
    worker.lastSeenMs = this.now();
    if (worker.offline && worker.connections.length > 0) {
      worker.offline = false;
      this.changed(worker);
    }
    const persistedAt = this.persistedSeen.get(worker.id) ?? 0;
    if (worker.lastSeenMs - persistedAt >= PERSIST_SEEN_EVERY_MS) {
      this.persistedSeen.set(worker.id, worker.lastSeenMs);
      this.store.seen(worker.id, new Date(worker.lastSeenMs).toISOString());
    }
  }

  connectionClosed(connectionId: string): LiveWorker | undefined {
    const workerId = this.byConnection.get(connectionId);
    if (workerId === undefined) return undefined;
    this.byConnection.delete(connectionId);
    return this.detach(workerId, connectionId);
  }

  get(workerId: string): LiveWorker | undefined {
    return this.workers.get(workerId);
  }

  all(): LiveWorker[] {
    return [...this.workers.values()];
  }

  /** The connection to reach a worker by: its newest. */
  connectionOf(worker: LiveWorker): string | undefined {
    return worker.connections.at(-1);
  }

  isOnline(worker: LiveWorker): boolean {
    return !worker.offline && worker.connections.length > 0;
  }

  /**
   * Marks workers offline whose last message, or whose disconnect, is older than worker_timeout.
   * `lastReceived` tells when a connection last delivered anything (pings included).
   */
  sweep(lastReceived: (connectionId: string) => number | undefined): LiveWorker[] {
    const now = this.now();
    const gone: LiveWorker[] = [];
    for (const worker of this.workers.values()) {
      if (worker.offline) continue;
      for (const connectionId of worker.connections) {
        const at = lastReceived(connectionId);
        if (at !== undefined && at > worker.lastSeenMs) worker.lastSeenMs = at;
      }
      const quietSince = worker.connections.length > 0 ? worker.lastSeenMs : Math.max(worker.disconnectedAtMs ?? worker.lastSeenMs, worker.lastSeenMs);
      if (now - quietSince > this.workerTimeoutMs) {
        worker.offline = true;
        this.store.status(worker.id, 'offline', worker.capabilities, new Date(worker.lastSeenMs).toISOString());
        this.changed(worker);
        gone.push(worker);
      }
    }
    return gone;
  }

  toJson(worker: LiveWorker): Worker {
    const online = this.isOnline(worker);
    const busy = worker.reportedStatus === 'busy' || worker.tasks.size >= worker.capabilities.concurrent_tasks;
    return {
      worker_id: worker.id,
      endpoint: worker.endpoint,
      status: !online ? 'offline' : busy ? 'busy' : 'idle',
      last_seen: new Date(worker.lastSeenMs).toISOString(),
      capabilities: worker.capabilities,
      connections: worker.connections.length,
      current_task_ids: [...worker.tasks].sort((a, b) => a - b),
      registered_at: worker.registeredAt,
    };
  }

  private detach(workerId: string, connectionId: string): LiveWorker | undefined {
    const worker = this.workers.get(workerId);
    if (!worker) return undefined;
    const index = worker.connections.indexOf(connectionId);
    if (index !== -1) worker.connections.splice(index, 1);
    if (worker.connections.length === 0) worker.disconnectedAtMs = this.now();
    this.changed(worker);
    return worker;
  }

  private changed(worker: LiveWorker): void {
    for (const listener of this.listeners) listener(worker);
  }

  private persist(worker: LiveWorker): void {
    this.persistedSeen.set(worker.id, worker.lastSeenMs);
    this.store.save({
      worker_id: worker.id,
      endpoint: worker.endpoint,
      reported_status: worker.reportedStatus,
      capabilities: worker.capabilities,
      registered_at: worker.registeredAt,
      last_seen: new Date(worker.lastSeenMs).toISOString(),
    });
  }
}
