import type { Db } from './database.js';

/**
 * Group commit: every write made during one turn of the event loop shares one SQLite transaction,
 * committed in the check phase right after the turn's I/O callbacks. Each write still runs in its
 * own savepoint, so one failing write rolls back alone. Whoever must not speak before the change is
 * on disk (a hub acknowledgement, an API answer, a dispatch) awaits `durable()`.
 */
export class GroupCommit {
  private open = false;
  private waiters: { resolve(): void; reject(error: Error): void }[] = [];
  private afterCommit: (() => void)[] = [];
  private readonly beforeCommit: (() => void)[] = [];
  /** One transaction wrapper, made once: inside the open batch better-sqlite3 runs it as a savepoint. */
  private readonly savepoint: (fn: () => unknown) => unknown;

  constructor(private readonly db: Db, private readonly onError: (error: Error) => void = () => {}) {
    this.savepoint = db.transaction((fn: () => unknown) => fn());
  }

  write<T>(fn: () => T): T {
    if (!this.open) {
      this.db.exec('BEGIN IMMEDIATE');
      this.open = true;
      setImmediate(() => this.commit());
    }
    return this.savepoint(fn) as T;
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
    const waiters = this.waiters;
    const callbacks = this.afterCommit;
    this.waiters = [];
    this.afterCommit = [];
    try {
      for (const hook of this.beforeCommit) hook();
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.open = false;
      this.onError(error as Error);
      for (const waiter of waiters) waiter.reject(error as Error);
      return;
    }
    this.open = false;
    for (const callback of callbacks) callback();
    for (const waiter of waiters) waiter.resolve();
  }
}
