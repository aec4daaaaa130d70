// `captionhub master` as a user runs it: a real child process, real sockets, real signals.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { freePort, runCli } from '../helpers/process.js';

const RS = '\x1e';
const tempDir = () => mkdtempSync(join(tmpdir(), 'captionhub-cli-'));

describe('captionhub master', () => {
  test('listens where --port says, serves /health, and logs the hub URL', async () => {
    const port = await freePort();
    const cli = runCli(['master', '--port', String(port), '--data', tempDir()]);
    try {
      await cli.waitFor(new RegExp(`listening on http://127\\.0\\.0\\.1:${port} hub=http://127\\.0\\.0\\.1:${port}/signalrhub`));
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { success: true, status: 'healthy' });
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  test('PORT and RPC_HOST from the environment; --port wins over PORT', async () => {
    const [envPort, flagPort] = [await freePort(), await freePort()];
    const fromEnv = runCli(['master', '--data', tempDir()], { PORT: String(envPort), RPC_HOST: '127.0.0.1' });
    const fromFlag = runCli(['master', '--port', String(flagPort), '--data', tempDir()], { PORT: String(envPort) });
    try {
      await fromEnv.waitFor(new RegExp(`listening on http://127\\.0\\.0\\.1:${envPort}`));
      await fromFlag.waitFor(new RegExp(`listening on http://127\\.0\\.0\\.1:${flagPort}`));
    } finally {
      fromEnv.child.kill('SIGKILL');
      fromFlag.child.kill('SIGKILL');
    }
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} sends connected clients a Close with allowReconnect, then exits 0`, async () => {
      const port = await freePort();
      const cli = runCli(['master', '--port', String(port), '--data', tempDir()]);
      await cli.waitFor(/listening on/);
      const ws = new WebSocket(`ws://127.0.0.1:${port}/signalrhub`);
      const frames: string[] = [];
      ws.on('message', (data) => frames.push(String(data)));
      const wsClosed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
      await new Promise((resolve) => ws.once('open', resolve));
      ws.send(`{"protocol":"json","version":1}${RS}`);
      await new Promise((resolve) => ws.once('message', resolve));

      cli.child.kill(signal);
      assert.deepEqual(await cli.exited, { code: 0, signal: null });
      assert.equal(await wsClosed, 1000);
      const records = frames.join('').split(RS).filter(Boolean).map((r) => JSON.parse(r));
      assert.deepEqual(records.at(-1), { type: 7, allowReconnect: true });
      assert.match(cli.output(), new RegExp(`stopping signal=${signal}`));
    });
  }

  test('a bad config file stops start-up with a message naming the key', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ signalr: { port: 'five thousand' } }));
    const cli = runCli(['master', '--config', file, '--data', dir]);
    const { code } = await cli.exited;
    assert.equal(code, 1);
    assert.match(cli.output(), /Config file .*config\.json: signalr\.port: .*expected number/);
  });

  test('a port already in use is reported plainly', async () => {
    const port = await freePort();
    const first = runCli(['master', '--port', String(port), '--data', tempDir()]);
    try {
      await first.waitFor(/listening on/);
      const second = runCli(['master', '--port', String(port), '--data', tempDir()]);
      assert.equal((await second.exited).code, 1);
      assert.match(second.output(), /Is another master already running\?/);
    } finally {
      first.child.kill('SIGKILL');
    }
  });

  test('unknown commands and flags exit non-zero with usage', async () => {
    const unknown = runCli(['serve']);
    assert.equal((await unknown.exited).code, 2);
    assert.match(unknown.output(), /Unknown command 'serve'/);
    const badFlag = runCli(['master', '--prot', '1']);
    assert.equal((await badFlag.exited).code, 1);
    assert.match(badFlag.output(), /Unknown option '--prot'/);
  });
});
