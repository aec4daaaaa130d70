import type { TransferFormat } from './protocols/hub-protocol.js';

export type TransportType = 'WebSockets' | 'ServerSentEvents' | 'LongPolling';

/** What a transport gives a connection: a way to push bytes to the client and to end the transport. */
export interface TransportSink {
  send(payload: string | Uint8Array): void;
  /** Ends the transport once everything already sent has gone out. */
  close(): void;
}

export interface ConnectionListener {
  onData(chunk: Buffer): void;
  onClose(error?: Error): void;
}

/**
 * One SignalR connection at the transport level (ASP.NET's HttpConnectionContext): identity, the
 * transport it runs on, and a byte pipe in each direction. It knows nothing of hub messages.
 */
export class HttpConnection {
  transport: TransportType | null = null;
  /** Set by the hub layer once the handshake picked a protocol; WebSocket frame type follows it. */
  transferFormat: TransferFormat = 'Text';
  /** When the transport last showed the client is there (a poll, a POST, a frame). */
  lastSeen = Date.now();
  readonly createdAt = Date.now();
  /** True while a long-poll request is held open: the client is present even if silent. */
  pollPending = false;
  remoteAddress: string | undefined;
  private sink: TransportSink | null = null;
  private listener: ConnectionListener | null = null;
  private closed = false;

  constructor(
    readonly connectionId: string,
    /** The id the client puts in `?id=`: the connection token for negotiate v1, the connectionId for v0. */
    readonly token: string,
    readonly negotiateVersion: number,
    private readonly onClosed: (connection: HttpConnection) => void,
    /** The query string the client negotiated with, minus the protocol's own parameters. */
    readonly query: URLSearchParams = new URLSearchParams(),
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  get isStarted(): boolean {
    return this.sink !== null;
  }

  /** Called by a transport when the client's first request on it arrives. */
  start(transport: TransportType, sink: TransportSink, remoteAddress: string | undefined): void {
    this.transport = transport;
    this.sink = sink;
    this.remoteAddress = remoteAddress;
    this.lastSeen = Date.now();
  }

  setListener(listener: ConnectionListener): void {
    this.listener = listener;
  }

  /** Bytes from the client. */
  receive(chunk: Buffer): void {
    this.lastSeen = Date.now();
    if (!this.closed) this.listener?.onData(chunk);
  }

  send(payload: string | Uint8Array): void {
    if (this.closed || !this.sink) return;
    this.sink.send(this.transferFormat === 'Binary' && typeof payload === 'string' ? Buffer.from(payload) : payload);
  }

  /** Ends the connection: the transport closes after what was sent, and the hub layer hears of it once. */
  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.sink?.close();
    this.onClosed(this);
    this.listener?.onClose(error);
  }
}
