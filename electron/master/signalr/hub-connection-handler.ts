import type { Logger } from '../../../common/logger.js';
import { HANDSHAKE_OK, HandshakeReader, handshakeError } from './handshake.js';
import type { HttpConnection } from './http-connection.js';
import { HubConnectionContext, type HubConnectionServices } from './hub-connection-context.js';
import type { HubDispatcher } from './hub-dispatcher.js';
import type { HubLifetimeManager } from './hub-lifetime-manager.js';
import { MessageTooLargeError, MessageType } from './messages.js';
import type { HubProtocol, MessageReader } from './protocols/hub-protocol.js';

export interface ConnectionHandlerOptions {
  readonly maxMessageSize: number;
  readonly handshakeTimeoutMs: number;
  readonly keepAliveIntervalMs: number;
  readonly clientTimeoutMs: number;
}

/**
 * Runs a connection from its first bytes to its end (ASP.NET's HubConnectionHandler): the
 * handshake, then every message to the dispatcher; keep-alive pings, and the client timeout.
 */
export class HubConnectionHandler {
  private readonly handshaking = new Map<HttpConnection, number>();

  constructor(
    private readonly protocols: readonly HubProtocol[],
    private readonly dispatcher: HubDispatcher,
    private readonly lifetime: HubLifetimeManager,
    private readonly services: HubConnectionServices,
    private readonly options: ConnectionHandlerOptions,
    private readonly logger: Logger,
  ) {}

  start(http: HttpConnection): void {
    const handshake = new HandshakeReader(this.protocols, this.options.maxMessageSize);
    let context: HubConnectionContext | null = null;
    let reader: MessageReader | null = null;
    this.handshaking.set(http, Date.now() + this.options.handshakeTimeoutMs);

    const readMessages = (chunk: Buffer) => {
      for (const message of reader!.read(chunk)) {
        if (context!.isClosed) return;
        this.dispatcher.dispatch(context!, message);
      }
    };

    http.setListener({
      onData: (chunk) => {
        try {
          if (context) {
            context.lastReceived = Date.now();
            readMessages(chunk);
            return;
          }
          const outcome = handshake.read(chunk);
          if (outcome.kind === 'incomplete') return;
          this.handshaking.delete(http);
          if (outcome.kind === 'rejected') {
            this.logger.warn('handshake rejected', { connection: http.connectionId, reason: outcome.error });
            http.send(handshakeError(outcome.error));
            http.close(new Error(outcome.error));
            return;
          }
          http.transferFormat = outcome.protocol.transferFormat;
          http.send(HANDSHAKE_OK);
          context = new HubConnectionContext(http, outcome.protocol, this.services);
          reader = outcome.protocol.createReader(this.options.maxMessageSize);
          this.lifetime.register(context);
          this.logger.debug('connected', { connection: http.connectionId, transport: http.transport, protocol: outcome.protocol.name });
          this.dispatcher.connected(context);
          if (outcome.rest.length > 0) readMessages(outcome.rest);
        } catch (error) {
          this.onBadData(http, context, error as Error);
        }
      },
      onClose: (error) => {
        this.handshaking.delete(http);
        if (!context) return;
        context.dispose();
        this.lifetime.unregister(context);
        this.logger.debug('disconnected', { connection: http.connectionId, error });
        this.dispatcher.disconnected(context, error);
      },
    });
  }

  /** One heartbeat: handshake deadlines, keep-alive pings, and clients gone silent. */
  tick(now: number): void {
    for (const [http, deadline] of this.handshaking) {
      if (now >= deadline) {
        this.handshaking.delete(http);
        http.close(new Error('The client did not complete the handshake in time.'));
      }
    }
    for (const context of this.lifetime.connections.values()) {
      // Long polling has no pings from the client: a pending poll is its keep-alive.
      if (context.transport !== 'LongPolling' && now - context.lastReceived > this.options.clientTimeoutMs) {
        this.logger.warn('client timed out', { connection: context.connectionId, silentMs: now - context.lastReceived });
        context.abort('Server timeout elapsed without receiving a message from the client.', { allowReconnect: true });
        continue;
      }
      if (now - context.lastSent >= this.options.keepAliveIntervalMs) context.write({ type: MessageType.Ping });
    }
  }

  private onBadData(http: HttpConnection, context: HubConnectionContext | null, error: Error): void {
    this.logger.warn('closing connection after bad data', { connection: http.connectionId, reason: error.message });
    const reason = error instanceof MessageTooLargeError ? error.message : `Invalid data: ${error.message}`;
    if (context) context.abort(`Connection closed with an error. ${reason}`);
    else http.close(error);
  }
}
