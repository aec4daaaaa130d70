// electron/master must run in plain Node: nothing under it may import electron.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/process.js';

test('no module under electron/master imports electron', () => {
  const dir = join(ROOT, 'electron', 'master');
  const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.[cm]?ts$/.test(f));
  assert.ok(files.length > 10, 'the master sources were found');
  const offenders = files.filter((f) => /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]electron['"]/.test(readFileSync(join(dir, f), 'utf8')));
  assert.deepEqual(offenders, []);
});
