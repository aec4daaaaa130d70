// The task store on a real SQLite file: the in-memory mirror, timeline rows written at commit,
// and a failed write rolling back its whole batch.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS, openDatabase, type Db } from '../../electron/master/store/database.js';
import { GroupCommit } from '../../electron/master/store/group-commit.js';
import { TaskStore, type NewTask } from '../../electron/master/store/task-store.js';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function open(dir = mkdtempSync(join(tmpdir(), 'captionhub-store-'))) {
  if (!dirs.includes(dir)) dirs.push(dir);
  const db = openDatabase(dir);
  const errors: Error[] = [];
  const commits = new GroupCommit(db, (error) => errors.push(error));
  return { dir, db, commits, errors, store: new TaskStore(db, commits) };
}

const input = (name: string, priority = 0): NewTask => ({
  video_path: `/v/${name}.mp4`,
  raw_subtitle_path: `/v/${name}.srt`,
  translated_subtitle_path: null,
  language: null,
  target_language: null,
  priority,
});

function rowOf(db: Db, taskId: number) {
  return db.prepare('SELECT * FROM tasks WHERE task_id = ?').get(taskId) as Record<string, unknown>;
}

test('what the store answers is what the database holds, after every kind of change', async () => {
  const { db, store, commits } = open();
  const [a, b, c] = store.createMany([input('a'), input('b'), input('c', 5)]);
  store.assign(a!.task_id, 'w1');
  store.progress(a!.task_id, 4000, 'transcribing', store.get(a!.task_id)!);
  store.assign(c!.task_id, 'w2');
  store.attemptFailed(c!.task_id, 'disk full', 'w2', true);
  store.cancel(b!.task_id);
  await store.durable();
  for (const task of [a!, b!, c!]) {
    const row = rowOf(db, task.task_id);
    const answered = store.get(task.task_id)!;
    for (const [key, value] of Object.entries(answered)) assert.deepEqual(row[key], value, `task ${task.task_id}.${key}`);
  }
  assert.equal(rowOf(db, c!.task_id).excluded_workers, '["w2"]');
  assert.deepEqual(store.queued(10), [{ task_id: c!.task_id, excludedWorkers: ['w2'] }]);

  store.complete(a!.task_id, '/v/a.srt', null, 'w1');
  await store.durable();
  assert.equal(rowOf(db, a!.task_id).status, 'completed');
  assert.equal(store.get(a!.task_id)!.finished_at, rowOf(db, a!.task_id).finished_at);
  assert.deepEqual(store.processing(), []);
  assert.deepEqual([...store.outcomesByWorker()].sort(), [['w1', { completed: 1, failed: 0 }], ['w2', { completed: 0, failed: 1 }]]);
  assert.equal(store.retryCount(), 1);
  commits.flush();
});

test('timeline rows wait for the commit yet are seen by reads in the same turn, and ids go on after a restart', async () => {
  const first = open();
  const [task] = first.store.createMany([input('timeline')]);
  first.store.assign(task!.task_id, 'w1');
  for (let p = 1000; p <= 9000; p += 1000) first.store.progress(task!.task_id, p, 'transcribing', first.store.get(task!.task_id)!);
  const beforeCommit = first.store.events(task!.task_id);
  assert.deepEqual(
    beforeCommit.map((e) => e.message),
    [`queued /v/timeline.mp4`, 'assigned to w1 (attempt 1)', 'transcribing (10%)', 'transcribing 25%', 'transcribing 50%', 'transcribing 75%'],
  );
  await first.store.durable();
  // Many rows in one batch go through the multi-row statement and its remainder.
  first.store.createMany(Array.from({ length: 70 }, (_, i) => input(`many-${i}`)));
  await first.store.durable();
  const ids = (first.db.prepare('SELECT id FROM task_events ORDER BY id').all() as { id: number }[]).map((r) => r.id);
  assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => i + 1));
  assert.equal(ids.length, 76);
  first.db.close();

  const second = open(first.dir);
  assert.equal(second.store.queued(1000).length, 70, 'queued tasks are mirrored again at start');
  assert.deepEqual(second.store.processing().map((t) => [t.task_id, t.progress, t.worker_id]), [[task!.task_id, 9000, 'w1']]);
  second.store.note(task!.task_id, 'warning', 'after the restart');
  await second.store.durable();
  assert.equal(second.store.events(task!.task_id).at(-1)!.id, 77);
  second.db.close();
});

test('a write that fails rolls back its whole batch: waiters hear the error and the mirror matches the disk again', async () => {
  const { db, store, errors } = open();
  const [kept] = store.createMany([input('kept')]);
  await store.durable();

  store.assign(kept!.task_id, 'w1');
  const waiting = store.durable();
  // The schema forbids a NULL video path: this insert throws inside the batch.
  assert.throws(() => store.createMany([input('fine'), { ...input('broken'), video_path: null as unknown as string }]), /NOT NULL/);
  await assert.rejects(waiting, /NOT NULL/);
  assert.equal(errors.length, 1);

  assert.equal(store.get(kept!.task_id)!.status, 'queued', 'the assignment in the same batch was rolled back too');
  assert.equal(rowOf(db, kept!.task_id).status, 'queued');
  assert.deepEqual(store.queued(10).map((t) => t.task_id), [kept!.task_id]);
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n, 1);

  // The next batch works, and its timeline ids follow what is on disk.
  store.assign(kept!.task_id, 'w2');
  await store.durable();
  assert.deepEqual(store.events(kept!.task_id).map((e) => [e.id, e.kind]), [[1, 'queued'], [2, 'assigned']]);
});

test('a database from the first schema keeps its outcome counts when it is upgraded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'captionhub-store-'));
  dirs.push(dir);
  const old = new Database(join(dir, 'captionhub.db'));
  old.exec(MIGRATIONS[0]!);
  old.exec(`INSERT INTO tasks (task_id, status, state, video_path, raw_subtitle_path, created_at) VALUES (1, 'completed', 'completed', '/v.mp4', '/v.srt', 'x')`);
  const insert = old.prepare(`INSERT INTO task_events (task_id, at, kind, message, worker_id) VALUES (1, 'x', ?, 'm', ?)`);
  for (const [kind, worker] of [['completed', 'w1'], ['completed', 'w1'], ['retried', 'w1'], ['retried', null], ['failed', 'w2'], ['progress', 'w2']] as const) insert.run(kind, worker);
  old.pragma('user_version = 1');
  old.close();

  const { store, db } = open(dir);
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.deepEqual([...store.outcomesByWorker()].sort(), [['w1', { completed: 2, failed: 1 }], ['w2', { completed: 0, failed: 1 }]]);
  assert.equal(store.retryCount(), 2);
  db.close();
});

test('progress held back for the batch is dropped when the task is requeued and assigned again in that batch', async () => {
  const { db, store } = open();
  const [task] = store.createMany([input('again')]);
  store.assign(task!.task_id, 'w1');
  await store.durable();
  store.progress(task!.task_id, 4000, 'transcribing', store.get(task!.task_id)!);
  store.attemptFailed(task!.task_id, 'crashed', 'w1', true);
  store.assign(task!.task_id, 'w2');
  await store.durable();
  const row = rowOf(db, task!.task_id);
  assert.deepEqual([row.progress, row.state, row.worker_id, row.attempts], [0, 'queued', 'w2', 2]);
  assert.deepEqual([store.get(task!.task_id)!.progress, store.get(task!.task_id)!.state], [0, 'queued']);
});

test('waiters hear of a rolled-back batch even when a rollback hook fails too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'captionhub-store-'));
  dirs.push(dir);
  const db = openDatabase(dir);
  const errors: string[] = [];
  const commits = new GroupCommit(db, (error) => errors.push(error.message));
  commits.onRollback(() => {
    throw new Error('reload failed');
  });
  commits.write(() => db.prepare(`INSERT INTO settings (key, value) VALUES ('a', '1')`).run());
  const waiting = commits.durable();
  assert.throws(() => commits.write(() => db.prepare(`INSERT INTO settings (key, value) VALUES ('a', '2')`).run()), /UNIQUE/);
  await assert.rejects(waiting, /UNIQUE/);
  assert.deepEqual(errors, ['reload failed', 'UNIQUE constraint failed: settings.key']);
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM settings').get() as { n: number }).n, 0);
  db.close();
});
