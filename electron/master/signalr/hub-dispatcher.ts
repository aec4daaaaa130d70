import type { Logger } from '../../../common/logger.js';
import { bindArguments } from './bind-arguments.js';
import { ClientStream } from './client-stream.js';
import { DeferredCompletion, HubException, type HubDefinition, type HubMethod, type StreamParam } from './hub-definition.js';
import type { HubConnectionContext } from './hub-connection-context.js';
import { InvocationQueue, isPromiseLike } from './invocation-queue.js';
import {
  MessageType,
  type CompletionMessage,
  type HubMessage,
  type InvocationMessage,
  type StreamInvocationMessage,
} from './messages.js';

export interface DispatcherOptions {
  /** Send exception messages of non-HubException errors to clients (ASP.NET's EnableDetailedErrors). */
  detailedErrors: boolean;
}

/** Per-connection dispatch state the dispatcher keeps beside the context. */
interface DispatchState {
  readonly queue: InvocationQueue;
  readonly clientStreams: Map<string, ClientStream>;
}

/** Turns incoming hub messages into method calls and their Completions (ASP.NET's DefaultHubDispatcher). */
export class HubDispatcher {
  private readonly states = new WeakMap<HubConnectionContext, DispatchState>();

  constructor(
    private readonly hub: HubDefinition,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions,
  ) {}

  dispatch(ctx: HubConnectionContext, message: HubMessage): void {
    const state = this.stateOf(ctx);
    switch (message.type) {
      case MessageType.Invocation:
        state.queue.run(() => this.invoke(ctx, state, message));
        return;
      case MessageType.StreamInvocation:
        this.startStream(ctx, state, message);
        return;
      case MessageType.StreamItem:
        state.clientStreams.get(message.invocationId)?.push(message.item);
        return;
      case MessageType.Completion:
        this.complete(ctx, state, message);
        return;
      case MessageType.CancelInvocation:
        ctx.activeStreams.get(message.invocationId)?.abort();
        return;
      case MessageType.Close:
        // Answers already written still go out, as they would have without frame joining.
        ctx.flush();
        ctx.http.close(message.error !== undefined ? new Error(message.error) : undefined);
        return;
      case MessageType.Ping:
      case MessageType.Ack:
      case MessageType.Sequence:
        // Pings only prove liveness (already noted on receipt); stateful reconnect is never negotiated.
        return;
    }
  }

  /** Runs the hub's connected hooks ahead of the connection's first invocation. */
  connected(ctx: HubConnectionContext): void {
    this.stateOf(ctx).queue.run(() => this.runHooks('connected', ctx, this.hub.connected.map((hook) => () => hook(ctx))));
  }

  /**
   * Fails the client streams a closed connection was still sending, then runs the disconnected
   * hooks after the invocations it sent before leaving.
   */
  disconnected(ctx: HubConnectionContext, error?: Error): void {
    const state = this.stateOf(ctx);
    for (const stream of state.clientStreams.values()) stream.fail(new Error('The connection closed.'));
    state.clientStreams.clear();
    state.queue.run(() => this.runHooks('disconnected', ctx, this.hub.disconnected.map((hook) => () => hook(ctx, error))));
  }

  private async runHooks(kind: string, ctx: HubConnectionContext, hooks: (() => unknown)[]): Promise<void> {
    for (const hook of hooks) {
      try {
        await hook();
      } catch (error) {
        this.logger.error(`${kind} hook failed`, { connection: ctx.connectionId, error: (error as Error).stack ?? String(error) });
      }
    }
  }

  private stateOf(ctx: HubConnectionContext): DispatchState {
    let state = this.states.get(ctx);
    if (!state) this.states.set(ctx, (state = { queue: new InvocationQueue(), clientStreams: new Map() }));
    return state;
  }

  private complete(ctx: HubConnectionContext, state: DispatchState, message: CompletionMessage): void {
    const stream = state.clientStreams.get(message.invocationId);
    if (stream) {
      state.clientStreams.delete(message.invocationId);
      if (message.error !== undefined) stream.fail(new Error(message.error));
      else stream.end();
      return;
    }
    if (!ctx.completeClientResult(message)) {
      this.logger.debug('completion for an unknown invocation ignored', { connection: ctx.connectionId, invocationId: message.invocationId });
    }
  }

  private invoke(ctx: HubConnectionContext, state: DispatchState, message: InvocationMessage): unknown {
    const { invocationId, target } = message;
    const method = this.hub.find(target);
    if (!method) {
      this.logger.warn('unknown hub method', { connection: ctx.connectionId, method: target });
      return this.fail(ctx, invocationId, `Unknown hub method '${target}'.`);
    }
    if (method.streaming) {
      return this.fail(ctx, invocationId, `The client attempted to invoke the streaming '${method.name}' method with a non-streaming invocation.`);
    }
    let args: unknown[];
    try {
      args = bindArguments(method, message.arguments, message.streamIds ?? [], this.streamOpener(state));
    } catch (error) {
      this.logger.warn('hub call rejected', { connection: ctx.connectionId, method: method.name, reason: (error as Error).message });
      return this.fail(ctx, invocationId, (error as Error).message);
    }
    let outcome: unknown;
    try {
      outcome = method.handler(ctx, ...args);
    } catch (error) {
      return this.fail(ctx, invocationId, this.describe(method, error));
    }
    if (outcome instanceof DeferredCompletion) {
      // Done as far as ordering goes; only the answer waits.
      outcome.until.then(
        (result) => this.succeed(ctx, invocationId, result),
        (error) => this.fail(ctx, invocationId, this.describe(method, error)),
      );
      return undefined;
    }
    if (!isPromiseLike(outcome)) return this.succeed(ctx, invocationId, outcome);
    return Promise.resolve(outcome).then(
      (result) => this.succeed(ctx, invocationId, result),
      (error) => this.fail(ctx, invocationId, this.describe(method, error)),
    );
  }

  private startStream(ctx: HubConnectionContext, state: DispatchState, message: StreamInvocationMessage): void {
    const { invocationId, target } = message;
    const method = this.hub.find(target);
    if (!method) return this.fail(ctx, invocationId, `Unknown hub method '${target}'.`);
    if (!method.streaming) {
      return this.fail(ctx, invocationId, `The client attempted to invoke the non-streaming '${method.name}' method with a streaming invocation.`);
    }
    let args: unknown[];
    try {
      args = bindArguments(method, message.arguments, message.streamIds ?? [], this.streamOpener(state));
    } catch (error) {
      return this.fail(ctx, invocationId, (error as Error).message);
    }
    const controller = new AbortController();
    ctx.activeStreams.set(invocationId, controller);
    const streamCtx = Object.assign(Object.create(ctx) as HubConnectionContext, { signal: controller.signal });
    void (async () => {
      try {
        const items = method.handler(streamCtx, ...args) as AsyncIterable<unknown>;
        for await (const item of items) {
          if (controller.signal.aborted) break;
          ctx.write({ type: MessageType.StreamItem, invocationId, item });
        }
        if (!controller.signal.aborted) ctx.write({ type: MessageType.Completion, invocationId });
      } catch (error) {
        if (!controller.signal.aborted) this.fail(ctx, invocationId, this.describe(method, error));
      } finally {
        ctx.activeStreams.delete(invocationId);
      }
    })();
  }

  private streamOpener(state: DispatchState) {
    return (param: StreamParam, streamId: string): ClientStream => {
      const stream = new ClientStream(param.schema, param.name);
      state.clientStreams.set(streamId, stream);
      return stream;
    };
  }

  private succeed(ctx: HubConnectionContext, invocationId: string | undefined, result: unknown): void {
    if (invocationId === undefined) return;
    ctx.write(
      result === undefined
        ? { type: MessageType.Completion, invocationId }
        : { type: MessageType.Completion, invocationId, result, hasResult: true },
    );
  }

  private fail(ctx: HubConnectionContext, invocationId: string | undefined, error: string): void {
    if (invocationId === undefined) return;
    ctx.write({ type: MessageType.Completion, invocationId, error });
  }

  private describe(method: HubMethod, error: unknown): string {
    if (error instanceof HubException) return error.message;
    this.logger.error('hub method threw', { method: method.name, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    const base = `An unexpected error occurred invoking '${method.name}' on the server.`;
    return this.options.detailedErrors && error instanceof Error ? `${base} ${error.name}: ${error.message}` : base;
  }
}
