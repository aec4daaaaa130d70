import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BearerAuth } from '../auth.js';
import type { ConnectionManager } from '../connection-manager.js';
import type { HttpConnection, TransportType } from '../http-connection.js';

/** What every transport needs from the server around it. */
export interface TransportContext {
  readonly connections: ConnectionManager;
  readonly auth: BearerAuth;
  readonly enabledTransports: ReadonlySet<TransportType>;
  readonly longPollTimeoutMs: number;
  /** Largest POST body accepted from SSE / Long Polling clients. */
  readonly maxRequestBodyBytes: number;
  /** Hands a connection whose transport just opened to the hub layer. */
  onConnectionStarted(connection: HttpConnection): void;
}

export function respond(res: ServerResponse, status: number, body = '', contentType = 'text/plain; charset=utf-8'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  if (body) res.setHeader('Content-Type', contentType);
  res.end(body);
}

export function remoteAddressOf(req: IncomingMessage): string | undefined {
  return req.socket.remoteAddress;
}

/**
 * Resolves `?id=` to a live connection, answering the request itself when it cannot:
 * 400 without an id, 404 for an unknown or finished one.
 */
export function connectionForRequest(ctx: TransportContext, url: URL, res: ServerResponse): HttpConnection | null {
  const id = url.searchParams.get('id');
  if (!id) {
    respond(res, 400, 'Connection ID required');
    return null;
  }
  const connection = ctx.connections.get(id);
  if (!connection || connection.isClosed) {
    respond(res, 404, 'No Connection with that ID');
    return null;
  }
  return connection;
}
