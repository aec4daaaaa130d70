/**
 * Runs one connection's invocations one after another, as ASP.NET Core does by default
 * (MaximumParallelInvocationsPerClient = 1): a worker's progress report can never overtake its
 * completion report. Synchronous handlers finish inline with no promise in between.
 * Tasks must not throw; they report their own errors.
 */
export class InvocationQueue {
  private running = false;
  private readonly backlog: (() => unknown)[] = [];

  run(task: () => unknown): void {
    if (this.running) this.backlog.push(task);
    else this.execute(task);
  }

  private execute(task: () => unknown): void {
    const outcome = task();
    if (!isPromiseLike(outcome)) return;
    this.running = true;
    const done = () => {
      this.running = false;
      this.drain();
    };
    outcome.then(done, done);
  }

  private drain(): void {
    while (!this.running) {
      const task = this.backlog.shift();
      if (!task) return;
      this.execute(task);
    }
  }
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
