import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Each entry moves the schema one version forward; the database's user_version says how many have
 * run. Append, never edit: a user's file may be at any earlier version.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE tasks (
     task_id INTEGER PRIMARY KEY AUTOINCREMENT,
     status TEXT NOT NULL CHECK (status IN ('queued','processing','completed','failed','cancelled')),
     state TEXT NOT NULL,
     worker_id TEXT,
     video_path TEXT NOT NULL,
     raw_subtitle_path TEXT NOT NULL,
     translated_subtitle_path TEXT,
     language TEXT,
     target_language TEXT,
     priority INTEGER NOT NULL DEFAULT 0,
     progress INTEGER NOT NULL DEFAULT 0,
     attempts INTEGER NOT NULL DEFAULT 0,
     error TEXT,
     excluded_workers TEXT NOT NULL DEFAULT '[]',
     created_at TEXT NOT NULL,
     started_at TEXT,
     finished_at TEXT,
     dispatched_at INTEGER
   );
   CREATE INDEX tasks_queue ON tasks (priority DESC, task_id) WHERE status = 'queued';
   CREATE INDEX tasks_by_worker ON tasks (worker_id) WHERE status = 'processing';
   CREATE INDEX tasks_by_status ON tasks (status, task_id);
   CREATE TABLE task_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     task_id INTEGER NOT NULL REFERENCES tasks (task_id) ON DELETE CASCADE,
     at TEXT NOT NULL,
     kind TEXT NOT NULL,
     message TEXT NOT NULL,
     worker_id TEXT
   );
   CREATE INDEX task_events_by_task ON task_events (task_id, id);
   CREATE INDEX task_events_outcomes ON task_events (kind, worker_id) WHERE kind IN ('completed', 'retried', 'failed');
   CREATE TABLE workers (
     worker_id TEXT PRIMARY KEY,
     endpoint TEXT NOT NULL,
     reported_status TEXT NOT NULL,
     capabilities TEXT NOT NULL,
     registered_at TEXT NOT NULL,
     last_seen TEXT NOT NULL
   );
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // The queue and who-runs-what now live in the task store's in-memory mirror, so their indexes only
  // cost writes. Outcome counts move from an index over every timeline row (one insertion point per
  // worker, dirtying many pages per commit) to a small counter table.
  `DROP INDEX tasks_queue;
   DROP INDEX tasks_by_worker;
   DROP INDEX task_events_outcomes;
   CREATE TABLE task_outcomes (
     worker_id TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('completed', 'retried', 'failed')),
     n INTEGER NOT NULL,
     PRIMARY KEY (worker_id, kind)
   ) WITHOUT ROWID;
   INSERT INTO task_outcomes (worker_id, kind, n)
     SELECT COALESCE(worker_id, ''), kind, COUNT(*) FROM task_events WHERE kind IN ('completed', 'retried', 'failed') GROUP BY 1, 2;`,
];

/**
 * Opens (creating if needed) the master's database in `dataDir`. WAL with synchronous=NORMAL: a
 * committed change survives the process being killed at any instant; only a power cut can take
 * the last moments back.
 */
export function openDatabase(dataDir: string, fileName = 'captionhub.db'): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, fileName));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`The database was written by a newer CaptionHub (schema ${current}, this one knows ${MIGRATIONS.length}).`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
