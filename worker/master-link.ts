import type { Logger } from '../common/logger.js';
import type { WorkerClient } from './client.js';

/**
 * The worker's connection to a master, which its REST API can point elsewhere (/set-master) or
 * drop (/disconnect-master), as the VideoCaptioner worker's can. Not while it runs the master's
 * tasks: their results belong to that master.
 */
export class MasterLink {
  private client: WorkerClient | null = null;
  private closed = false;
  /** connect, disconnect and close run one at a time, in the order they were asked for. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connectTo: (hubUrl: string) => WorkerClient,
    private readonly logger: Logger,
  ) {}

  get masterUrl(): string | null {
    return this.client?.hubUrl ?? null;
  }

  get connected(): boolean {
    return this.client?.connectionId != null;
  }

  get busy(): boolean {
    return this.client?.busy ?? false;
  }

  /** The master's tasks running now. */
  get runningTaskIds(): number[] {
    return this.client?.runningTaskIds ?? [];
  }

  /**
   * Joins the master at `hubUrl`, replacing the current one. Resolves true once registered, or
   * false after `waitMs` (it keeps trying in the background) or if it was left meanwhile.
   */
  connect(hubUrl: string, waitMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    return this.serially(async () => {
      if (this.closed) return { started: false };
      this.refuseWhileOwing('switch masters');
      await this.leave();
      const client = this.connectTo(hubUrl);
      this.client = client;
      this.logger.info('joining master', { hub: hubUrl });
      // Wrapped, so that this step ends now and the join goes on outside the queue.
      return { started: client.start() };
    }).then(({ started }) => this.waitFor(started, waitMs));
  }

  disconnect(): Promise<void> {
    return this.serially(async () => {
      this.refuseWhileOwing('leave the master');
      await this.leave();
    });
  }

  /** Stops for good, the master's running tasks included (shutdown). */
  close(): Promise<void> {
    this.closed = true;
    return this.serially(() => this.leave());
  }

  /** Tells the master whether the worker is busy now. */
  statusChanged(): void {
    this.client?.reportStatus();
  }

  private async leave(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) {
      await client.stop();
      this.logger.info('left master', { hub: client.hubUrl });
    }
  }

  /** Runs `step` after every step asked for before it; a step that fails does not block the next. */
  private serially<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(step, step);
    this.queue = run.catch(() => {});
    return run;
  }

  /** The join itself is not part of the queue: a /disconnect-master may come while it retries. */
  private async waitFor(started: Promise<boolean> | boolean, waitMs: number): Promise<boolean> {
    if (typeof started === 'boolean' || !Number.isFinite(waitMs)) return started;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)));
    try {
      return await Promise.race([started, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Tasks of this master still running, or results it has not acknowledged, belong to it. */
  private refuseWhileOwing(what: string): void {
    const owed = [...this.runningTaskIds, ...(this.client?.pendingResults ?? [])];
    if (owed.length > 0) throw new LinkBusy(`cannot ${what} while task ${owed.join(', ')} of ${this.masterUrl} is running or not yet reported; try again when it is done`);
  }
}

export class LinkBusy extends Error {
  override name = 'LinkBusy';
}
