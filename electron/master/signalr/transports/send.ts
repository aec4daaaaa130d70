import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpConnection } from '../http-connection.js';
import { connectionForRequest, respond, type TransportContext } from './transport-context.js';

const sending = new WeakSet<HttpConnection>();

/** POST `?id=`: client-to-server data for Server-Sent Events and Long Polling connections. */
export function handleSend(ctx: TransportContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const connection = connectionForRequest(ctx, url, res);
  if (!connection) return;
  if (connection.transport === 'WebSockets') return respond(res, 405, 'POST requests are not allowed for WebSocket connections.');
  if (sending.has(connection)) return respond(res, 409, 'Another send request is in progress.');

  sending.add(connection);
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > ctx.maxRequestBodyBytes) {
      refused = true;
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('close', () => {
    sending.delete(connection);
    if (refused) connection.close(new Error(`A send request exceeded ${ctx.maxRequestBodyBytes} bytes.`));
  });
  req.on('end', () => {
    sending.delete(connection);
    respond(res, 200);
    connection.receive(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  });
}
