import type { Logger } from '../../../common/logger.js';
import type { Task } from '../../../common/task-types.js';
import type { LiveWorker } from '../registry.js';
import { DispatchRefused, type WorkerChannel } from '../worker-channel.js';
import { VideoCaptionerApi, VideoCaptionerError } from './rest-api.js';

/** Marks a worker as a VideoCaptioner one in its capabilities, so dispatch goes through its REST API. */
export const VIDEOCAPTIONER_PROTOCOL = 'videocaptioner';
/** The hub URL handed to /set-master carries the worker's id in this query parameter. */
export const WORKER_ID_QUERY = 'captionhub_worker';

export function isVideoCaptioner(worker: LiveWorker): boolean {
  return worker.capabilities.protocol === VIDEOCAPTIONER_PROTOCOL;
}

/** A worker id for an endpoint added without one: `videocaptioner-<host>-<port>`. */
export function defaultWorkerId(endpoint: string): string {
  const url = new URL(endpoint);
  return `videocaptioner-${url.hostname}-${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

/**
 * The VideoCaptioner workers' side of dispatch: tasks go out through each worker's REST API, and
 * the worker's own task ids (its counter since it started) are mapped back to the master's.
 */
export class VideoCaptionerFleet implements WorkerChannel {
  private readonly apis = new Map<string, VideoCaptionerApi>();
  /** Per worker: its own task id → the master's task id. */
  private readonly taskIds = new Map<string, Map<number, number>>();
  /** Workers being added: their endpoint, and who waits for their connection. */
  private readonly arrivals = new Map<string, { endpoint: string; arrived(): void }>();

  constructor(
    private readonly logger: Logger,
    private readonly requestTimeoutMs = 10_000,
  ) {}

  api(workerId: string, endpoint: string): VideoCaptionerApi {
    let api = this.apis.get(workerId);
    if (!api || api.endpoint !== endpoint) {
      api = new VideoCaptionerApi(endpoint, this.requestTimeoutMs);
      this.apis.set(workerId, api);
    }
    return api;
  }

  /**
   * Points the worker at this master's hub and resolves once it has connected and been adopted.
   * `hubUrl` must be reachable from the worker's machine.
   */
  async add(workerId: string, endpoint: string, hubUrl: string, timeoutMs: number): Promise<void> {
    const api = this.api(workerId, endpoint);
    await api.health();
    const url = new URL(hubUrl);
    url.searchParams.set(WORKER_ID_QUERY, workerId);
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<void>((resolve, reject) => {
      this.arrivals.set(workerId, { endpoint, arrived: resolve });
      timer = setTimeout(
        () => reject(new VideoCaptionerError(`${endpoint} accepted /set-master but did not connect to ${hubUrl} within ${timeoutMs / 1000} s: can it reach that address?`)),
        timeoutMs,
      );
    });
    try {
      await api.setMaster(url.toString());
      await arrived;
    } finally {
      clearTimeout(timer);
      this.arrivals.delete(workerId);
    }
  }

  /** Called once a worker's connection has been registered. */
  arrived(workerId: string): void {
    this.arrivals.get(workerId)?.arrived();
  }

  /** The endpoint of a worker being added that has not connected yet. */
  pendingEndpoint(workerId: string): string | undefined {
    return this.arrivals.get(workerId)?.endpoint;
  }

  /** Remembers that the worker runs `taskId` under its own id `workerTaskId` (after a restart, say). */
  adopt(workerId: string, workerTaskId: number, taskId: number): void {
    this.mapOf(workerId).set(workerTaskId, taskId);
  }

  /**
   * The master's id for a task the worker names by its own id. Its first reports can outrun the
   * answer to start-subtitize; since it runs one task at a time, the one task it holds is meant.
   */
  taskIdFor(worker: LiveWorker, workerTaskId: number): number | undefined {
    const known = this.taskIds.get(worker.id)?.get(workerTaskId);
    if (known !== undefined) return known;
    return worker.tasks.size === 1 ? [...worker.tasks][0] : undefined;
  }

  /** The worker is done with its task (completed or faulted). */
  finished(workerId: string, workerTaskId: number): void {
    this.taskIds.get(workerId)?.delete(workerTaskId);
  }

  async startTask(worker: LiveWorker, task: Task): Promise<void> {
    const api = this.api(worker.id, worker.endpoint);
    let workerTaskId: number;
    try {
      workerTaskId = await api.startSubtitize({
        video_path: task.video_path,
        raw_subtitle_path: task.raw_subtitle_path,
        translated_subtitle_path: task.translated_subtitle_path ?? '',
        language: task.language ?? 'Auto',
      });
    } catch (error) {
      throw new DispatchRefused((error as Error).message);
    }
    this.mapOf(worker.id).set(workerTaskId, task.task_id);
  }

  stopTask(worker: LiveWorker, taskId: number): void {
    const map = this.taskIds.get(worker.id);
    const workerTaskId = map && [...map].find(([, id]) => id === taskId)?.[0];
    if (workerTaskId === undefined) {
      this.logger.warn('cannot stop a task on a VideoCaptioner worker: its id there is unknown', { worker: worker.id, task: taskId });
      return;
    }
    map!.delete(workerTaskId);
    this.api(worker.id, worker.endpoint)
      .stopSubtitize(workerTaskId)
      .catch((error: unknown) => this.logger.warn('stop-subtitize failed', { worker: worker.id, task: taskId, error: (error as Error).message }));
  }

  private mapOf(workerId: string): Map<number, number> {
    let map = this.taskIds.get(workerId);
    if (!map) this.taskIds.set(workerId, (map = new Map()));
    return map;
  }
}
