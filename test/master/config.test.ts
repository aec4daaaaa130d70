import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, resolveMasterConfig } from '../../electron/master/config.js';

function configFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'captionhub-config-')), 'config.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('master config', () => {
  test('defaults: 127.0.0.1:5000, /signalrhub, the seed scheduler values, the per-user data folder', () => {
    const config = resolveMasterConfig({}, { XDG_CONFIG_HOME: '/home/u/.config' });
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 5000);
    assert.equal(config.hubPath, '/signalrhub');
    assert.equal(config.token, undefined);
    assert.deepEqual(config.scheduler, { maxRetries: 3, taskTimeout: 3600, workerTimeout: 60 });
    if (process.platform === 'linux') assert.equal(config.dataDir, '/home/u/.config/CaptionHub');
  });

  test('the seed-shaped file, then environment, then flags', () => {
    const file = configFile({
      signalr: { hub_url: '/hub', port: 6000, token: 'from-file' },
      scheduler: { max_retries: 5, task_timeout: 120, worker_timeout: 10 },
      data_dir: '/srv/captionhub',
    });
    const fromFile = resolveMasterConfig({ config: file }, {});
    assert.equal(fromFile.port, 6000);
    assert.equal(fromFile.hubPath, '/hub');
    assert.equal(fromFile.token, 'from-file');
    assert.equal(fromFile.dataDir, '/srv/captionhub');
    assert.deepEqual(fromFile.scheduler, { maxRetries: 5, taskTimeout: 120, workerTimeout: 10 });

    const env = { PORT: '7000', RPC_HOST: '0.0.0.0', CAPTIONHUB_TOKEN: 'from-env', SIGNALR_HUB: 'http://master:5000/signalrhub' };
    const fromEnv = resolveMasterConfig({ config: file }, env);
    assert.equal(fromEnv.port, 7000);
    assert.equal(fromEnv.host, '0.0.0.0');
    assert.equal(fromEnv.token, 'from-env');
    assert.equal(fromEnv.hubPath, '/signalrhub', 'a full hub URL keeps only its path');

    const fromFlags = resolveMasterConfig({ config: file, port: '8000', host: '::1', data: 'rel/dir' }, env);
    assert.equal(fromFlags.port, 8000);
    assert.equal(fromFlags.host, '::1');
    assert.equal(fromFlags.dataDir, resolve('rel/dir'));
  });

  test('bad values are refused with the name of what is wrong', () => {
    assert.throws(() => resolveMasterConfig({ port: 'abc' }, {}), (e: Error) => e instanceof ConfigError && /--port must be a port number/.test(e.message));
    assert.throws(() => resolveMasterConfig({}, { PORT: '70000' }), /PORT must be a port number 0-65535, got '70000'/);
    assert.throws(() => resolveMasterConfig({ config: configFile({ scheduler: { max_retries: -1 } }) }, {}), /scheduler\.max_retries: .*>=0/);
    assert.throws(() => resolveMasterConfig({ config: configFile({ signalr: { prot: 1 } }) }, {}), /signalr: Unrecognized key.*prot/);
    assert.throws(() => resolveMasterConfig({ config: configFile('{ not json') }, {}), /is not valid JSON/);
    assert.throws(() => resolveMasterConfig({ config: '/no/such/config.json' }, {}), /Cannot read config file \/no\/such\/config\.json: ENOENT/);
  });
});
