import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { HttpConnection } from '../http-connection.js';
import { remoteAddressOf, type TransportContext } from './transport-context.js';

const TEXT_FRAME = { binary: false, compress: false, fin: true } as const;
const BINARY_FRAME = { binary: true, compress: false, fin: true } as const;

/** Frames larger than this are refused by `ws` itself; the hub's own, smaller limit applies first. */
const MIN_FRAME_LIMIT = 4 * 1024 * 1024;

/**
 * The WebSocket transport: the upgrade on the hub path, with `?id=` from negotiate, or none for
 * clients that skip negotiation. Text frames carry JSON, binary frames MessagePack.
 */
export class WebSocketTransport {
  private readonly wss: WebSocketServer;

  constructor(private readonly ctx: TransportContext, maxMessageSize: number) {
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: Math.max(MIN_FRAME_LIMIT, maxMessageSize * 16),
      clientTracking: false,
      // The hub protocols validate what they decode; a second UTF-8 pass per frame buys nothing.
      skipUTF8Validation: true,
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    if (!this.ctx.enabledTransports.has('WebSockets')) return rejectUpgrade(socket, 404, 'WebSockets transport is disabled');
    if (!this.ctx.auth.isAuthorized(req, url)) return rejectUpgrade(socket, 401, 'Unauthorized');

    const id = url.searchParams.get('id');
    let connection: HttpConnection | undefined;
    if (id) {
      connection = this.ctx.connections.get(id);
      if (!connection || connection.isClosed) return rejectUpgrade(socket, 404, 'No Connection with that ID');
      if (connection.isStarted) return rejectUpgrade(socket, 409, 'Connection ID is already in use');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const target = connection ?? this.ctx.connections.create(0);
      this.attach(target, ws, remoteAddressOf(req));
    });
  }

  private attach(connection: HttpConnection, ws: WebSocket, remoteAddress: string | undefined): void {
    connection.start(
      'WebSockets',
      {
        send: (payload) => ws.send(payload, typeof payload === 'string' ? TEXT_FRAME : BINARY_FRAME),
        close: () => ws.close(1000),
      },
      remoteAddress,
    );
    ws.on('message', (data: RawData) => connection.receive(toBuffer(data)));
    ws.on('close', () => connection.close());
    ws.on('error', (error) => connection.close(error));
    this.ctx.onConnectionStarted(connection);
  }

  close(): void {
    this.wss.close();
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = reason;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
