import type { z } from 'zod';

/**
 * A client-to-server stream: StreamItem messages pushed in, read by the hub method as an async
 * iterable; the client's Completion for the stream id ends it (or fails it).
 */
export class ClientStream<T = unknown> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: { resolve(r: IteratorResult<T>): void; reject(e: Error): void } | null = null;
  private ended = false;
  private failure: Error | null = null;

  constructor(private readonly itemSchema: z.ZodType<T>, private readonly name: string) {}

  push(item: unknown): void {
    if (this.ended) return;
    const parsed = this.itemSchema.safeParse(item);
    if (!parsed.success) {
      this.fail(new Error(`Stream '${this.name}' got an invalid item: ${parsed.error.issues[0]?.message ?? 'wrong type'}.`));
      return;
    }
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter.resolve({ value: parsed.data, done: false });
    } else {
      this.items.push(parsed.data);
    }
  }

  end(): void {
    this.ended = true;
    this.settleWaiter();
  }

  fail(error: Error): void {
    if (this.ended) return;
    this.failure = error;
    this.ended = true;
    this.settleWaiter();
  }

  private settleWaiter(): void {
    if (!this.waiter || this.items.length > 0) return;
    const waiter = this.waiter;
    this.waiter = null;
    if (this.failure) waiter.reject(this.failure);
    else waiter.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.failure) return Promise.reject(this.failure);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
      },
    };
  }
}
