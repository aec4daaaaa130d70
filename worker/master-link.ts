import type { Logger } from '../common/logger.js';
import type { WorkerClient } from './client.js';

/**
 * The worker's connection to a master, which its REST API can point elsewhere (/set-master) or
 * drop (/disconnect-master), as the VideoCaptioner worker's can. Not while it runs the master's
 * tasks: their results belong to that master.
 */
export class MasterLink {
  private client: WorkerClient | null = null;

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
   * Joins the master at `hubUrl`, replacing the current one. Resolves once registered, or after
   * `waitMs` with false while it keeps trying in the background.
   */
  async connect(hubUrl: string, waitMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    this.refuseWhileRunning('switch masters');
    await this.disconnect();
    const client = this.connectTo(hubUrl);
    this.client = client;
    this.logger.info('joining master', { hub: hubUrl });
    const started = client.start().then(() => true);
    if (!Number.isFinite(waitMs)) return started;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)));
    try {
      return await Promise.race([started, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  async disconnect(): Promise<void> {
    this.refuseWhileRunning('leave the master');
    const client = this.client;
    this.client = null;
    if (client) {
      await client.stop();
      this.logger.info('left master', { hub: client.hubUrl });
    }
  }

  /** Stops for good, the master's running tasks included (shutdown). */
  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.stop();
  }

  /** Tells the master whether the worker is busy now. */
  statusChanged(): void {
    this.client?.reportStatus();
  }

  private refuseWhileRunning(what: string): void {
    const running = this.runningTaskIds;
    if (running.length > 0) throw new LinkBusy(`cannot ${what} while running task ${running.join(', ')} of ${this.masterUrl}; try again when it is done`);
  }
}

export class LinkBusy extends Error {
  override name = 'LinkBusy';
}
