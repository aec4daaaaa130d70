import type { TransportType } from './http-connection.js';

/** Sends to one or many clients without waiting for them. */
export interface ClientProxy {
  send(method: string, ...args: unknown[]): void;
}

export interface InvokeOptions {
  /** How long to wait for the client's Completion; the server's `clientResultTimeoutMs` by default. */
  timeoutMs?: number;
}

/** One client: it can also be invoked and its result awaited ("client results"). */
export interface SingleClientProxy extends ClientProxy {
  invoke<T = unknown>(method: string, args?: unknown[], options?: InvokeOptions): Promise<T>;
}

export interface HubClients {
  readonly all: ClientProxy;
  allExcept(connectionIds: readonly string[]): ClientProxy;
  client(connectionId: string): SingleClientProxy;
  clients(connectionIds: readonly string[]): ClientProxy;
  group(name: string): ClientProxy;
  groupExcept(name: string, connectionIds: readonly string[]): ClientProxy;
}

export interface GroupManager {
  add(connectionId: string, group: string): void;
  remove(connectionId: string, group: string): void;
  /** How many connections are in a group now: lets a sender skip building what nobody would hear. */
  size(group: string): number;
}

/** What a hub method or lifetime hook sees of the connection that called it. */
export interface HubCallerContext {
  readonly connectionId: string;
  /** Per-connection state that lives as long as the connection. */
  readonly items: Map<string, unknown>;
  readonly transport: TransportType;
  readonly protocol: string;
  readonly remoteAddress: string | undefined;
  /** The query string the client connected with (as ASP.NET's Request.Query), minus the protocol's own parameters. */
  readonly query: URLSearchParams;
  readonly clients: HubClients;
  readonly groups: GroupManager;
  readonly caller: SingleClientProxy;
  /** Ends this connection with a Close message; `allowReconnect` lets the client's automatic reconnect run. */
  abort(error?: string, options?: { allowReconnect?: boolean }): void;
}
