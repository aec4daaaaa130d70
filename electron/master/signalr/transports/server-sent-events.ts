import type { IncomingMessage, ServerResponse } from 'node:http';
import { connectionForRequest, remoteAddressOf, respond, type TransportContext } from './transport-context.js';

/**
 * Server-Sent Events: a text-only stream from server to client; the client's messages arrive as
 * POSTs (see send.ts). Headers, the immediate ":" comment and CRLF line endings follow ASP.NET,
 * whose .NET client parser is strict about them.
 */
export function handleServerSentEvents(ctx: TransportContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (!ctx.enabledTransports.has('ServerSentEvents')) return respond(res, 404, 'ServerSentEvents transport is disabled');
  const connection = connectionForRequest(ctx, url, res);
  if (!connection) return;
  if (connection.isStarted) return respond(res, 409, 'Connection ID is already in use');

  req.socket.setNoDelay(true);
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache,no-store',
    Pragma: 'no-cache',
    'Content-Encoding': 'identity',
    'X-Accel-Buffering': 'no',
  });
  res.write(':\r\n');
  res.flushHeaders();

  connection.start(
    'ServerSentEvents',
    {
      send: (payload) => res.write(toEvent(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'))),
      close: () => res.end(),
    },
    remoteAddressOf(req),
  );
  res.on('close', () => connection.close());
  ctx.onConnectionStarted(connection);
}

function toEvent(text: string): string {
  let event = '';
  for (const line of text.split(/\r?\n/)) event += `data: ${line}\r\n`;
  return event + '\r\n';
}
