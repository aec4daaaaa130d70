import type { z } from 'zod';
import type { HubCallerContext } from './hub-caller-context.js';

/** A hub method parameter carried in the invocation's `arguments`. */
export interface ValueParam<T = unknown> {
  readonly kind: 'value';
  readonly name: string;
  readonly schema: z.ZodType<T>;
  readonly optional: boolean;
}

/** A parameter the client fills with a stream (its `streamIds`): the method receives an async iterable. */
export interface StreamParam<T = unknown> {
  readonly kind: 'stream';
  readonly name: string;
  readonly schema: z.ZodType<T>;
}

export type HubParam<T = unknown> = ValueParam<T> | StreamParam<T>;

export function param<T>(name: string, schema: z.ZodType<T>): ValueParam<T> {
  return { kind: 'value', name, schema, optional: schema.safeParse(undefined).success };
}

export function streamParam<T>(name: string, itemSchema: z.ZodType<T>): StreamParam<T> {
  return { kind: 'stream', name, schema: itemSchema };
}

type ArgOf<P> = P extends StreamParam<infer T> ? AsyncIterable<T> : P extends ValueParam<infer T> ? T : never;
export type ArgsOf<P extends readonly HubParam[]> = { -readonly [K in keyof P]: ArgOf<P[K]> };

export type MethodHandler<P extends readonly HubParam[]> = (ctx: HubCallerContext, ...args: ArgsOf<P>) => unknown;
export type StreamHandler<P extends readonly HubParam[]> = (
  ctx: HubCallerContext & { signal: AbortSignal },
  ...args: ArgsOf<P>
) => AsyncIterable<unknown>;

export interface HubMethod {
  readonly name: string;
  readonly params: readonly HubParam[];
  /** The params carried in `arguments`, in order; worked out once, as every call checks against them. */
  readonly valueParams: readonly ValueParam[];
  readonly requiredCount: number;
  readonly streamCount: number;
  readonly streaming: boolean;
  readonly handler: (ctx: HubCallerContext & { signal?: AbortSignal }, ...args: unknown[]) => unknown;
}

type MethodSpec = Pick<HubMethod, 'name' | 'params' | 'streaming' | 'handler'>;

/**
 * The error a hub method throws to send its message to the caller as-is. Any other exception
 * reaches the client as a generic message (the details go to the log), as in ASP.NET Core.
 */
export class HubException extends Error {
  override name = 'HubException';
}

/**
 * Returned by a hub method that has done its work but must not answer yet: the connection's next
 * invocation runs at once, and the Completion goes out when `until` settles. The master uses it to
 * acknowledge a report only once its change is committed, without making the worker's next
 * report wait for that commit.
 */
export class DeferredCompletion {
  constructor(readonly until: Promise<unknown>) {}
}

export function completeWhen(until: Promise<unknown>): DeferredCompletion {
  return new DeferredCompletion(until);
}

/** The methods and lifetime hooks of one hub. Names match case-insensitively, as ASP.NET Core does. */
export class HubDefinition {
  private readonly methods = new Map<string, HubMethod>();
  /** Exact-case names first, so the common call skips lower-casing. */
  private readonly exact = new Map<string, HubMethod>();
  private readonly connectedHooks: ((ctx: HubCallerContext) => void | Promise<void>)[] = [];
  private readonly disconnectedHooks: ((ctx: HubCallerContext, error?: Error) => void | Promise<void>)[] = [];

  method<const P extends readonly HubParam[]>(name: string, params: P, handler: MethodHandler<P>): this {
    return this.add({ name, params, streaming: false, handler: handler as HubMethod['handler'] });
  }

  /** A server-to-client stream (the client's `stream(...)`): items are sent as they are yielded. */
  stream<const P extends readonly HubParam[]>(name: string, params: P, handler: StreamHandler<P>): this {
    return this.add({ name, params, streaming: true, handler: handler as HubMethod['handler'] });
  }

  onConnected(hook: (ctx: HubCallerContext) => void | Promise<void>): this {
    this.connectedHooks.push(hook);
    return this;
  }

  onDisconnected(hook: (ctx: HubCallerContext, error?: Error) => void | Promise<void>): this {
    this.disconnectedHooks.push(hook);
    return this;
  }

  find(name: string): HubMethod | undefined {
    return this.exact.get(name) ?? this.methods.get(name.toLowerCase());
  }

  get connected(): readonly ((ctx: HubCallerContext) => void | Promise<void>)[] {
    return this.connectedHooks;
  }

  get disconnected(): readonly ((ctx: HubCallerContext, error?: Error) => void | Promise<void>)[] {
    return this.disconnectedHooks;
  }

  private add(spec: MethodSpec): this {
    const key = spec.name.toLowerCase();
    if (this.methods.has(key)) throw new Error(`Hub method '${spec.name}' is defined twice.`);
    const valueParams = spec.params.filter((p): p is ValueParam => p.kind === 'value');
    const optionalFrom = valueParams.findIndex((p) => p.optional);
    if (optionalFrom !== -1 && valueParams.slice(optionalFrom).some((p) => !p.optional)) {
      throw new Error(`Hub method '${spec.name}': optional parameters must come last.`);
    }
    const method: HubMethod = {
      ...spec,
      valueParams,
      requiredCount: optionalFrom === -1 ? valueParams.length : optionalFrom,
      streamCount: spec.params.length - valueParams.length,
    };
    this.methods.set(key, method);
    this.exact.set(spec.name, method);
    return this;
  }
}
