import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TransportType } from './http-connection.js';
import { respond, type TransportContext } from './transports/transport-context.js';

interface AvailableTransport {
  transport: TransportType;
  transferFormats: ('Text' | 'Binary')[];
}

const TRANSPORTS: readonly AvailableTransport[] = [
  { transport: 'WebSockets', transferFormats: ['Text', 'Binary'] },
  { transport: 'ServerSentEvents', transferFormats: ['Text'] },
  { transport: 'LongPolling', transferFormats: ['Text', 'Binary'] },
];

/**
 * POST `<hub>/negotiate`. Version 1 hands out a separate connection token (the `?id=` from then on);
 * version 0, which the Python signalrcore client speaks, uses the connectionId itself and must still
 * carry an explicit integer `negotiateVersion`.
 */
export function handleNegotiate(ctx: TransportContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return json(res, 405, { error: 'Negotiate requires POST.' });
  }
  if (!ctx.auth.isAuthorized(req, url)) return json(res, 401, { error: 'Unauthorized: a valid bearer token is required.' });

  const requested = Number.parseInt(url.searchParams.get('negotiateVersion') ?? '0', 10);
  const version = Number.isFinite(requested) && requested >= 1 ? 1 : 0;
  const query = new URLSearchParams(url.searchParams);
  for (const own of ['negotiateVersion', 'id', 'access_token']) query.delete(own);
  const connection = ctx.connections.create(version, query);
  req.resume();
  json(res, 200, {
    negotiateVersion: version,
    connectionId: connection.connectionId,
    ...(version >= 1 && { connectionToken: connection.token }),
    availableTransports: TRANSPORTS.filter((t) => ctx.enabledTransports.has(t.transport)),
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  respond(res, status, JSON.stringify(body), 'application/json; charset=utf-8');
}
