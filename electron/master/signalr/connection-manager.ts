import { randomBytes } from 'node:crypto';
import { HttpConnection } from './http-connection.js';

function newId(): string {
  return randomBytes(16).toString('base64url');
}

/** Owns every transport-level connection, looked up by the id clients send in `?id=`. */
export class ConnectionManager {
  private readonly byToken = new Map<string, HttpConnection>();

  /** negotiateVersion 0 (and skipNegotiation) clients use the connectionId itself as `?id=`. */
  create(negotiateVersion: number, query?: URLSearchParams): HttpConnection {
    const connectionId = newId();
    const token = negotiateVersion >= 1 ? newId() : connectionId;
    const connection = new HttpConnection(connectionId, token, negotiateVersion, (c) => this.byToken.delete(c.token), query);
    this.byToken.set(token, connection);
    return connection;
  }

  get(token: string): HttpConnection | undefined {
    return this.byToken.get(token);
  }

  get size(): number {
    return this.byToken.size;
  }

  all(): IterableIterator<HttpConnection> {
    return this.byToken.values();
  }

  /**
   * Closes connections the client has walked away from: negotiated but never used (JS negotiates
   * again after a failed transport), or long polling with no poll for `disconnectTimeoutMs`.
   */
  sweep(now: number, disconnectTimeoutMs: number): void {
    for (const connection of this.byToken.values()) {
      if (connection.pollPending) continue;
      const idleSince = connection.isStarted ? connection.lastSeen : connection.createdAt;
      const canGoQuiet = !connection.isStarted || connection.transport === 'LongPolling';
      if (canGoQuiet && now - idleSince > disconnectTimeoutMs) {
        connection.close(connection.isStarted ? new Error('The long polling client stopped polling.') : undefined);
      }
    }
  }
}
