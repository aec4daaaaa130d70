import type { Db } from './database.js';

/**
 * Group commit: every write made during one turn of the event loop shares one SQLite transaction,
 * committed in the check phase right after the turn's I/O callbacks. Whoever must not speak before
 * a change is on disk (a hub acknowledgement, an API answer, a dispatch) awaits `durable()`.
 *
 * A write that throws rolls back the whole batch at once: nothing in it has been acknowledged yet,
 * so every waiter hears the error and the rollback hooks put the in-memory mirrors back in step
 * with the database. (A savepoint per write would keep the others, at the price of two extra
 * statements on every write, for a failure that means the disk or a bug.)
 */
export class GroupCommit {
  private open = false;
  private waiters: { resolve(): void; reject(error: Error): void }[] = [];
  private afterCommit: (() => void)[] = [];
  private readonly beforeCommit: (() => void)[] = [];
  private readonly afterRollback: (() => void)[] = [];

  constructor(private readonly db: Db, private readonly onError: (error: Error) => void = () => {}) {}

  write<T>(fn: () => T): T {
    if (!this.open) {
      this.db.exec('BEGIN IMMEDIATE');
      this.open = true;
      setImmediate(() => this.commit());
    }
    try {
      return fn();
    } catch (error) {
      this.rollback(error as Error);
      throw error;
    }
  }

  /** Resolves once everything written so far is committed. */
  durable(): Promise<void> {
    if (!this.open) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Registers work that must land in every batch just before it commits (writes held back to be coalesced). */
  onBeforeCommit(hook: () => void): void {
    this.beforeCommit.push(hook);
  }

  /** Registers what must run after a batch was rolled back, before its waiters hear of it. */
  onRollback(hook: () => void): void {
    this.afterRollback.push(hook);
  }

  /** Runs `callback` once what was written so far is committed (at once if nothing is pending). */
  afterDurable(callback: () => void): void {
    if (this.open) this.afterCommit.push(callback);
    else callback();
  }

  /** Commits now; for shutdown. */
  flush(): void {
    if (this.open) this.commit();
  }

  private commit(): void {
    if (!this.open) return;
    try {
      for (const hook of this.beforeCommit) hook();
      this.db.exec('COMMIT');
    } catch (error) {
      try {
        this.rollback(error as Error);
      } catch (rollbackError) {
        // Runs from setImmediate: a throw here would take the whole master down.
        this.onError(rollbackError as Error);
      }
      return;
    }
    const waiters = this.waiters;
    const callbacks = this.afterCommit;
    this.open = false;
    this.waiters = [];
    this.afterCommit = [];
    for (const callback of callbacks) callback();
    for (const waiter of waiters) waiter.resolve();
  }

  private rollback(error: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    this.afterCommit = [];
    this.open = false;
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const hook of this.afterRollback) {
        try {
          hook();
        } catch (hookError) {
          this.onError(hookError as Error);
        }
      }
      this.onError(error);
    } finally {
      // Whatever else failed, nobody may be left waiting for an answer.
      for (const waiter of waiters) waiter.reject(error);
    }
  }
}
