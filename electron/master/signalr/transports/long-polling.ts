import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpConnection, TransportSink } from '../http-connection.js';
import { connectionForRequest, remoteAddressOf, respond, type TransportContext } from './transport-context.js';

/**
 * The outgoing side of one long-polling connection: data waits here until the client's next poll.
 * A poll with nothing to say is answered 200-empty before the client's 100 s timeout; 204 tells the
 * client the connection is over.
 */
class PollQueue implements TransportSink {
  private queued: Buffer[] = [];
  private poll: { res: ServerResponse; timer: NodeJS.Timeout } | null = null;
  private ending = false;

  constructor(private readonly connection: HttpConnection, private readonly timeoutMs: number) {}

  send(payload: string | Uint8Array): void {
    this.queued.push(typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    this.flush();
  }

  close(): void {
    this.ending = true;
    this.flush();
    // The connection leaves the manager now, but its last data (a Close message) and the final 204
    // are still owed to the client's next poll.
    draining.set(this.connection.token, this);
    setTimeout(() => draining.delete(this.connection.token), this.timeoutMs).unref();
  }

  /** A new poll from the client. */
  accept(res: ServerResponse): void {
    this.release(200);
    const timer = setTimeout(() => this.release(200), this.timeoutMs);
    this.poll = { res, timer };
    this.connection.pollPending = true;
    res.on('close', () => {
      if (this.poll?.res === res) this.detach();
    });
    this.flush();
  }

  /** DELETE from the client: the open poll ends with 204. */
  terminate(): void {
    this.queued = [];
    this.ending = true;
    this.release(204);
  }

  get isFinished(): boolean {
    return this.ending && this.queued.length === 0;
  }

  private flush(): void {
    if (!this.poll) return;
    if (this.queued.length > 0) {
      const body = this.queued.length === 1 ? this.queued[0]! : Buffer.concat(this.queued);
      this.queued = [];
      this.release(200, body);
    } else if (this.ending) {
      this.release(204);
    }
  }

  private release(status: number, body?: Buffer): void {
    if (!this.poll) return;
    const { res } = this.poll;
    this.detach();
    if (res.writableEnded) return;
    res.statusCode = status;
    if (body) {
      res.setHeader('Content-Type', this.connection.transferFormat === 'Binary' ? 'application/octet-stream' : 'text/plain; charset=utf-8');
      res.setHeader('Content-Length', body.length);
    }
    res.end(body);
  }

  private detach(): void {
    if (!this.poll) return;
    clearTimeout(this.poll.timer);
    this.poll = null;
    this.connection.pollPending = false;
    this.connection.lastSeen = Date.now();
  }
}

const queues = new WeakMap<HttpConnection, PollQueue>();
const draining = new Map<string, PollQueue>();

/** GET `?id=` without `Accept: text/event-stream`. The first poll is answered at once: the client waits for it before its handshake. */
export function handlePoll(ctx: TransportContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (!ctx.enabledTransports.has('LongPolling')) return respond(res, 404, 'LongPolling transport is disabled');
  const closing = draining.get(url.searchParams.get('id') ?? '');
  if (closing) return closing.isFinished ? respond(res, 204) : closing.accept(res);
  const connection = connectionForRequest(ctx, url, res);
  if (!connection) return;

  if (!connection.isStarted) {
    const queue = new PollQueue(connection, ctx.longPollTimeoutMs);
    queues.set(connection, queue);
    connection.start('LongPolling', queue, remoteAddressOf(req));
    respond(res, 200);
    ctx.onConnectionStarted(connection);
    return;
  }
  const queue = queues.get(connection);
  if (!queue) return respond(res, 400, 'Cannot change transports mid-connection.');
  if (queue.isFinished) return respond(res, 204);
  queue.accept(res);
}

/** DELETE `?id=`: the client stops; its open poll ends with 204 and the connection closes. */
export function handleDelete(ctx: TransportContext, res: ServerResponse, url: URL): void {
  const connection = connectionForRequest(ctx, url, res);
  if (!connection) return;
  const queue = queues.get(connection);
  if (!queue) return respond(res, 400, 'Cannot terminate this connection using the DELETE endpoint.');
  queue.terminate();
  connection.close();
  respond(res, 202);
}
