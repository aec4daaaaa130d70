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

/** How long a worker told where the hub is gets to connect before it is told again. */
const REATTACH_GRACE_MS = 10_000;

/** The worker was told where the hub is but never connected. */
export class ConnectTimeout extends VideoCaptionerError {
  override name = 'ConnectTimeout';
}

/** The same worker id is being added by another request. */
export class AlreadyAdding extends VideoCaptionerError {
  override name = 'AlreadyAdding';
}

/** What the master knows of one VideoCaptioner worker's own task ids (a counter since it started). */
interface WorkerTasks {
  /** Its id → the master's task id, for the runs the master gave it. */
  readonly byWorkerId: Map<number, number>;
  /** Its ids whose run ended or was stopped: late reports about them are dropped. */
  readonly retired: Set<number>;
  /** A task whose start-subtitize is in flight: reports can outrun the answer that names its id. */
  starting: number | null;
  /** A task it runs whose id it did not say (its status may leave it out): the next new id is it. */
  unnamed: number | null;
}

/**
 * The VideoCaptioner workers' side of dispatch: tasks go out through each worker's REST API, and
 * the worker's own task ids are mapped back to the master's.
 */
export class VideoCaptionerFleet implements WorkerChannel {
  private readonly apis = new Map<string, VideoCaptionerApi>();
  private readonly tasks = new Map<string, WorkerTasks>();
  /** Until when a worker told where the hub is again is left to connect before it is told once more. */
  private readonly reattachedUntil = new Map<string, number>();
  /** Workers being added: their endpoint, the hub URL they were given, and who waits for their connection. */
  private readonly arrivals = new Map<string, { endpoint: string; hubUrl: string; arrived(): void }>();

  constructor(
    private readonly logger: Logger,
    /** The hub's bearer token, if it has one: the worker's client can only carry it in the URL. */
    private readonly accessToken: string | undefined,
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
    if (this.arrivals.has(workerId)) throw new AlreadyAdding(`worker '${workerId}' is already being added`);
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<void>((resolve, reject) => {
      this.arrivals.set(workerId, { endpoint, hubUrl, arrived: resolve });
      timer = setTimeout(
        () => reject(new ConnectTimeout(`${endpoint} accepted /set-master but did not connect to ${hubUrl} within ${timeoutMs / 1000} s: can it reach that address?`)),
        timeoutMs,
      );
    });
    arrived.catch(() => {});
    try {
      const api = this.api(workerId, endpoint);
      await api.health();
      await api.setMaster(this.hubUrlFor(hubUrl, workerId));
      await arrived;
    } finally {
      clearTimeout(timer);
      this.arrivals.delete(workerId);
    }
  }

  /**
   * Tells known VideoCaptioner workers without a connection where the hub is again: their client
   * gives up after five tries (0, 2, 5, 10, 30 s), so a master that was down longer would never see
   * them back. One that cannot be reached now is tried again on the next call.
   */
  async reattach(workers: readonly LiveWorker[], now = Date.now()): Promise<void> {
    const lost = workers.filter(
      (w) =>
        isVideoCaptioner(w) &&
        w.connections.length === 0 &&
        typeof w.capabilities.master_url === 'string' &&
        !this.arrivals.has(w.id) &&
        now >= (this.reattachedUntil.get(w.id) ?? 0),
    );
    await Promise.all(
      lost.map(async (w) => {
        // One call at a time per worker, and after one that worked, time for it to connect.
        this.reattachedUntil.set(w.id, Number.POSITIVE_INFINITY);
        try {
          await this.api(w.id, w.endpoint).setMaster(this.hubUrlFor(w.capabilities.master_url as string, w.id));
          this.reattachedUntil.set(w.id, Date.now() + REATTACH_GRACE_MS);
          this.logger.info('told a VideoCaptioner worker where the hub is again', { worker: w.id });
        } catch (error) {
          this.reattachedUntil.delete(w.id);
          this.logger.debug('VideoCaptioner worker still unreachable', { worker: w.id, error: (error as Error).message });
        }
      }),
    );
  }

  /** Called once a worker's connection has been registered. */
  arrived(workerId: string): void {
    this.arrivals.get(workerId)?.arrived();
  }

  /** A worker being added that has not connected yet: its endpoint and the hub URL it was given. */
  pending(workerId: string): { endpoint: string; hubUrl: string } | undefined {
    return this.arrivals.get(workerId);
  }

  /** The master's task for the run the worker names by its own id, if the master gave it that run. */
  knownTask(workerId: string, workerTaskId: number): number | undefined {
    return this.tasks.get(workerId)?.byWorkerId.get(workerTaskId);
  }

  /** Remembers that the worker runs `taskId` (found again after a reconnect), under its own id if known. */
  adopt(workerId: string, workerTaskId: number | null, taskId: number): void {
    const state = this.stateOf(workerId);
    if (workerTaskId === null) state.unnamed = taskId;
    else state.byWorkerId.set(workerTaskId, taskId);
  }

  /**
   * The master's id for a report's task. A report can outrun the answer to start-subtitize, so an id
   * never seen before belongs to the start in flight, or to a run adopted without its id. Anything
   * else (an id that ended, a run the master did not give) is not the master's.
   */
  taskIdFor(workerId: string, workerTaskId: number): number | undefined {
    const state = this.tasks.get(workerId);
    if (!state || state.retired.has(workerTaskId)) return undefined;
    const known = state.byWorkerId.get(workerTaskId);
    if (known !== undefined) return known;
    const claimed = state.starting ?? state.unnamed;
    if (claimed === null) return undefined;
    state.byWorkerId.set(workerTaskId, claimed);
    if (state.unnamed === claimed) state.unnamed = null;
    return claimed;
  }

  /** The run ended (completed or faulted) or was stopped: its id is done with. */
  retire(workerId: string, workerTaskId: number): void {
    const state = this.stateOf(workerId);
    state.byWorkerId.delete(workerTaskId);
    state.retired.add(workerTaskId);
  }

  /**
   * Asks what the worker is doing first: a start whose answer was lost (a timeout) may have begun
   * this very task, which is then taken up instead of started twice; other work of its own is a
   * refusal.
   */
  async startTask(worker: LiveWorker, task: Task): Promise<void> {
    const state = this.stateOf(worker.id);
    const api = this.api(worker.id, worker.endpoint);
    let status: Awaited<ReturnType<VideoCaptionerApi['status']>>;
    try {
      status = await api.status();
    } catch (error) {
      throw new DispatchRefused((error as Error).message);
    }
    if (status.busy) {
      if (status.videoPath === task.video_path && status.workerTaskId !== null && !state.retired.has(status.workerTaskId)) {
        state.byWorkerId.set(status.workerTaskId, task.task_id);
        this.logger.info('a VideoCaptioner worker was already running the task; taken up', { worker: worker.id, task: task.task_id, workerTask: status.workerTaskId });
        return;
      }
      throw new DispatchRefused(`${worker.endpoint} is busy with task ${status.workerTaskId ?? '?'} of its own`);
    }
    state.starting = task.task_id;
    try {
      const workerTaskId = await api.startSubtitize({
        video_path: task.video_path,
        raw_subtitle_path: task.raw_subtitle_path,
        translated_subtitle_path: task.translated_subtitle_path ?? '',
        language: task.language ?? 'Auto',
      });
      // Its counter starts again at 1 when the worker restarts: an id it hands out anew is live again.
      state.retired.delete(workerTaskId);
      state.byWorkerId.set(workerTaskId, task.task_id);
    } catch (error) {
      throw new DispatchRefused((error as Error).message);
    } finally {
      if (state.starting === task.task_id) state.starting = null;
    }
  }

  stopTask(worker: LiveWorker, taskId: number): void {
    const state = this.tasks.get(worker.id);
    if (state?.unnamed === taskId) state.unnamed = null;
    const workerTaskId = state && [...state.byWorkerId].find(([, id]) => id === taskId)?.[0];
    if (workerTaskId === undefined) {
      this.logger.warn('cannot stop a task on a VideoCaptioner worker: its id there is unknown', { worker: worker.id, task: taskId });
      return;
    }
    this.retire(worker.id, workerTaskId);
    this.api(worker.id, worker.endpoint)
      .stopSubtitize(workerTaskId)
      .catch((error: unknown) => this.logger.warn('stop-subtitize failed', { worker: worker.id, task: taskId, error: (error as Error).message }));
  }

  /** The hub URL with the worker's id in its query, so that its connection can be told apart, and the token if any. */
  private hubUrlFor(hubUrl: string, workerId: string): string {
    const url = new URL(hubUrl);
    url.searchParams.set(WORKER_ID_QUERY, workerId);
    if (this.accessToken) url.searchParams.set('access_token', this.accessToken);
    return url.toString();
  }

  private stateOf(workerId: string): WorkerTasks {
    let state = this.tasks.get(workerId);
    if (!state) this.tasks.set(workerId, (state = { byWorkerId: new Map(), retired: new Set(), starting: null, unnamed: null }));
    return state;
  }
}
