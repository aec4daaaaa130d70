import type { HttpConnection, TransportType } from './http-connection.js';
import { HubException } from './hub-definition.js';
import type { HubCallerContext, HubClients, GroupManager, SingleClientProxy, InvokeOptions } from './hub-caller-context.js';
import { MessageType, type CompletionMessage, type HubMessage } from './messages.js';
import type { HubProtocol } from './protocols/hub-protocol.js';

/** A message encoded at most once per protocol, so a broadcast to many clients serialises it once or twice. */
export class SerializedMessage {
  private json: string | Uint8Array | undefined;
  private binary: string | Uint8Array | undefined;

  constructor(readonly message: HubMessage) {}

  for(protocol: HubProtocol): string | Uint8Array {
    if (protocol.transferFormat === 'Text') return (this.json ??= protocol.write(this.message));
    return (this.binary ??= protocol.write(this.message));
  }
}

interface PendingResult {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface HubConnectionServices {
  readonly clients: HubClients;
  readonly groups: GroupManager;
  readonly clientResultTimeoutMs: number;
}

/**
 * Thrown to the server-side caller of `invoke` when the client answers with an error or never
 * answers. A HubException, as in ASP.NET Core, so a hub method that lets it escape passes the
 * client's message on to its own caller.
 */
export class ClientResultError extends HubException {
  override name = 'ClientResultError';
}

/**
 * The hub-level state of one connection (ASP.NET's HubConnectionContext): its protocol, its groups
 * and items, what it owes the client, and the client results the server is waiting for.
 */
export class HubConnectionContext implements HubCallerContext {
  readonly items = new Map<string, unknown>();
  readonly groupNames = new Set<string>();
  /** Server-to-client streams in flight, by invocationId, so CancelInvocation can stop them. */
  readonly activeStreams = new Map<string, AbortController>();
  lastReceived = Date.now();
  lastSent = Date.now();
  private readonly pendingResults = new Map<string, PendingResult>();
  private nextInvocationId = 0;
  private outbox: (string | Uint8Array)[] = [];
  private closed = false;
  readonly caller: SingleClientProxy;

  constructor(
    readonly http: HttpConnection,
    readonly hubProtocol: HubProtocol,
    private readonly services: HubConnectionServices,
  ) {
    this.caller = {
      send: (method, ...args) => this.write({ type: MessageType.Invocation, target: method, arguments: args }),
      invoke: <T>(method: string, args: unknown[] = [], options?: InvokeOptions) => this.invoke<T>(method, args, options),
    };
  }

  get connectionId(): string {
    return this.http.connectionId;
  }

  get transport(): TransportType {
    return this.http.transport!;
  }

  get protocol(): string {
    return this.hubProtocol.name;
  }

  get remoteAddress(): string | undefined {
    return this.http.remoteAddress;
  }

  get query(): URLSearchParams {
    return this.http.query;
  }

  get clients(): HubClients {
    return this.services.clients;
  }

  get groups(): GroupManager {
    return this.services.groups;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(message: HubMessage): void {
    this.writePayload(this.hubProtocol.write(message));
  }

  writeSerialized(message: SerializedMessage): void {
    this.writePayload(message.for(this.hubProtocol));
  }

  /**
   * Messages written in the same tick leave together in one transport frame, which the protocols
   * allow (records end with 0x1E; binary messages carry their length): an acknowledgement and the
   * next StartSubtitize for a worker cost one write instead of two.
   */
  private writePayload(payload: string | Uint8Array): void {
    if (this.closed) return;
    this.lastSent = Date.now();
    if (this.outbox.push(payload) === 1) process.nextTick(() => this.flush());
  }

  /** Hands what this tick wrote to the transport now (before a close, say). */
  flush(): void {
    const batch = this.outbox;
    if (batch.length === 0) return;
    this.outbox = [];
    if (this.closed) return;
    this.http.send(batch.length === 1 ? batch[0]! : joinPayloads(batch));
  }

  /** Sends an Invocation with an id and resolves with the client's Completion. */
  invoke<T>(method: string, args: unknown[], options?: InvokeOptions): Promise<T> {
    if (this.closed) return Promise.reject(new ClientResultError(`Connection ${this.connectionId} is closed.`));
    const invocationId = `s${++this.nextInvocationId}`;
    const timeoutMs = options?.timeoutMs ?? this.services.clientResultTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingResults.delete(invocationId);
        reject(new ClientResultError(`Client ${this.connectionId} did not answer '${method}' within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.pendingResults.set(invocationId, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.write({ type: MessageType.Invocation, invocationId, target: method, arguments: args });
    });
  }

  /** Routes a client's Completion to the `invoke` waiting for it; false when nobody waits for that id. */
  completeClientResult(message: CompletionMessage): boolean {
    const pending = this.pendingResults.get(message.invocationId);
    if (!pending) return false;
    this.pendingResults.delete(message.invocationId);
    clearTimeout(pending.timer);
    if (message.error !== undefined) pending.reject(new ClientResultError(message.error));
    else pending.resolve(message.result);
    return true;
  }

  abort(error?: string, options?: { allowReconnect?: boolean }): void {
    if (this.closed) return;
    this.write({
      type: MessageType.Close,
      ...(error !== undefined && { error }),
      ...(options?.allowReconnect && { allowReconnect: true }),
    });
    this.flush();
    this.http.close(error !== undefined ? new Error(error) : undefined);
  }

  /** Called once the connection is gone: nothing more can be sent, and whoever waits on it is told. */
  dispose(): void {
    this.closed = true;
    for (const [id, pending] of this.pendingResults) {
      clearTimeout(pending.timer);
      pending.reject(new ClientResultError(`Connection ${this.connectionId} closed before answering invocation ${id}.`));
    }
    this.pendingResults.clear();
    for (const controller of this.activeStreams.values()) controller.abort();
    this.activeStreams.clear();
  }
}

function joinPayloads(batch: readonly (string | Uint8Array)[]): string | Uint8Array {
  if (batch.every((p) => typeof p === 'string')) return batch.join('');
  return Buffer.concat(batch.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
}
