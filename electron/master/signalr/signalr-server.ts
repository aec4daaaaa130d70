import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { silentLogger, type Logger } from '../../../common/logger.js';
import { BearerAuth } from './auth.js';
import { ConnectionManager } from './connection-manager.js';
import { applyCors } from './cors.js';
import type { TransportType } from './http-connection.js';
import type { GroupManager, HubClients } from './hub-caller-context.js';
import { HubConnectionHandler } from './hub-connection-handler.js';
import type { HubDefinition } from './hub-definition.js';
import { HubDispatcher } from './hub-dispatcher.js';
import { HubLifetimeManager } from './hub-lifetime-manager.js';
import { handleNegotiate } from './negotiate.js';
import type { HubProtocol } from './protocols/hub-protocol.js';
import { jsonHubProtocol } from './protocols/json.js';
import { messagePackHubProtocol } from './protocols/msgpack.js';
import { handleDelete, handlePoll } from './transports/long-polling.js';
import { handleSend } from './transports/send.js';
import { handleServerSentEvents } from './transports/server-sent-events.js';
import { respond, type TransportContext } from './transports/transport-context.js';
import { WebSocketTransport } from './transports/websockets.js';

export interface SignalRServerOptions {
  /** The hub's URL path, e.g. "/signalrhub". */
  path: string;
  /** Largest incoming message; a bigger one closes the connection with an error. ASP.NET's default, 32 KB. */
  maxMessageSize?: number;
  /** A Ping goes out after this long without sending anything. */
  keepAliveIntervalMs?: number;
  /** A client silent this long is dropped (never long-polling clients). */
  clientTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  /** An idle long poll is answered empty after this long, inside the client's 100 s timeout. */
  longPollTimeoutMs?: number;
  /** A negotiated connection never used, or a long-polling client that stopped polling, is dropped after this. */
  disconnectTimeoutMs?: number;
  /** Default wait for a client's answer to a server-to-client invocation. */
  clientResultTimeoutMs?: number;
  /** When set, every hub request must present this bearer token. */
  accessToken?: string;
  transports?: readonly TransportType[];
  protocols?: readonly HubProtocol[];
  detailedErrors?: boolean;
  logger?: Logger;
}

const DEFAULTS = {
  maxMessageSize: 32 * 1024,
  keepAliveIntervalMs: 15_000,
  clientTimeoutMs: 30_000,
  handshakeTimeoutMs: 15_000,
  longPollTimeoutMs: 90_000,
  disconnectTimeoutMs: 15_000,
  clientResultTimeoutMs: 30_000,
};

/**
 * An ASP.NET Core-compatible SignalR server for one hub: negotiate, the three transports, the JSON
 * and MessagePack hub protocols. Mount `handleRequest` before any body parser and attach it to the
 * HTTP server for WebSocket upgrades.
 */
export class SignalRServer {
  readonly clients: HubClients;
  readonly groups: GroupManager;
  private readonly path: string;
  private readonly connections = new ConnectionManager();
  private readonly lifetime = new HubLifetimeManager();
  private readonly handler: HubConnectionHandler;
  private readonly transportContext: TransportContext;
  private readonly webSockets: WebSocketTransport;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly disconnectTimeoutMs: number;
  private readonly logger: Logger;

  constructor(hub: HubDefinition, options: SignalRServerOptions) {
    const o = { ...DEFAULTS, ...stripUndefined(options) };
    this.path = options.path.replace(/\/+$/, '');
    this.logger = options.logger ?? silentLogger;
    this.disconnectTimeoutMs = o.disconnectTimeoutMs;
    this.clients = this.lifetime.clients;
    this.groups = this.lifetime;

    const dispatcher = new HubDispatcher(hub, this.logger, { detailedErrors: options.detailedErrors ?? false });
    this.handler = new HubConnectionHandler(
      options.protocols ?? [jsonHubProtocol, messagePackHubProtocol],
      dispatcher,
      this.lifetime,
      { clients: this.clients, groups: this.groups, clientResultTimeoutMs: o.clientResultTimeoutMs },
      o,
      this.logger,
    );
    this.transportContext = {
      connections: this.connections,
      auth: new BearerAuth(options.accessToken),
      enabledTransports: new Set(options.transports ?? ['WebSockets', 'ServerSentEvents', 'LongPolling']),
      longPollTimeoutMs: o.longPollTimeoutMs,
      maxRequestBodyBytes: Math.max(4 * 1024 * 1024, o.maxMessageSize * 16),
      onConnectionStarted: (connection) => this.handler.start(connection),
    };
    this.webSockets = new WebSocketTransport(this.transportContext, o.maxMessageSize);
    const tickMs = Math.max(10, Math.min(1000, o.keepAliveIntervalMs / 4, o.clientTimeoutMs / 4, o.handshakeTimeoutMs / 4));
    this.heartbeat = setInterval(() => this.tick(), tickMs);
    this.heartbeat.unref();
  }

  /** Live hub connections (handshake done). */
  get connectionCount(): number {
    return this.lifetime.connections.size;
  }

  /**
   * When a live hub connection last showed its client is there: any message, keep-alive pings
   * included, or for long polling (whose clients never ping) a poll held open or just answered.
   */
  lastReceivedAt(connectionId: string): number | undefined {
    const context = this.lifetime.connections.get(connectionId);
    if (!context) return undefined;
    if (context.transport !== 'LongPolling') return context.lastReceived;
    return Math.max(context.lastReceived, context.http.pollPending ? Date.now() : context.http.lastSeen);
  }

  /** Ends one connection with a Close message (an operator's "disconnect this client"). */
  abortConnection(connectionId: string, error?: string, options: { allowReconnect?: boolean } = {}): boolean {
    const context = this.lifetime.connections.get(connectionId);
    context?.abort(error, options);
    return context !== undefined;
  }

  /** Connect middleware: answers the hub's routes, passes everything else on. */
  readonly middleware = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if (!this.handleRequest(req, res)) next();
  };

  /** Returns false when the request is not for this hub. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    // Every request of the host app passes here: decline the others before parsing anything.
    if (!(req.url ?? '').startsWith(this.path)) return false;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const pathname = url.pathname.replace(/\/+$/, '');
    const isNegotiate = pathname === `${this.path}/negotiate`;
    if (!isNegotiate && pathname !== this.path) return false;
    if (applyCors(req, res)) return true;
    const ctx = this.transportContext;
    if (isNegotiate) {
      handleNegotiate(ctx, req, res, url);
      return true;
    }
    if (!ctx.auth.isAuthorized(req, url)) {
      respond(res, 401, 'Unauthorized');
      return true;
    }
    switch (req.method) {
      case 'GET':
        if ((req.headers.accept ?? '').includes('text/event-stream')) handleServerSentEvents(ctx, req, res, url);
        else handlePoll(ctx, req, res, url);
        break;
      case 'POST':
        handleSend(ctx, req, res, url);
        break;
      case 'DELETE':
        handleDelete(ctx, res, url);
        break;
      default:
        res.setHeader('Allow', 'GET, POST, DELETE, OPTIONS');
        respond(res, 405, 'Method not allowed');
    }
    return true;
  }

  /** Returns false when the upgrade is not for this hub. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.replace(/\/+$/, '') !== this.path) return false;
    this.webSockets.handleUpgrade(req, socket, head, url);
    return true;
  }

  /** Routes the server's WebSocket upgrades on the hub path here; other paths are refused. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!this.handleUpgrade(req, socket, head)) socket.destroy();
    });
  }

  /**
   * Says goodbye to every client with a Close message. `allowReconnect` (the default) lets workers
   * reconnect when the master comes back.
   */
  close(options: { error?: string; allowReconnect?: boolean } = {}): void {
    clearInterval(this.heartbeat);
    for (const context of [...this.lifetime.connections.values()]) {
      context.abort(options.error, { allowReconnect: options.allowReconnect ?? true });
    }
    for (const connection of [...this.connections.all()]) connection.close();
    this.webSockets.close();
  }

  private tick(): void {
    const now = Date.now();
    this.handler.tick(now);
    this.connections.sweep(now, this.disconnectTimeoutMs);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
