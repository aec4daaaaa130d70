import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../common/logger.js';
import { defaultProviders, openSession } from '../../worker/pipeline/onnx-session.js';
import { loadModelConfig } from '../../worker/pipeline/whisper/model-config.js';
import { compareEncoders } from '../../worker/pipeline/whisper/transcriber.js';
import { tinyWhisper } from '../helpers/tiny-whisper.js';

test('providers are tried per platform, best first, the CPU last', () => {
  assert.deepEqual(defaultProviders('linux', 'x64'), ['cuda', 'cpu']);
  assert.deepEqual(defaultProviders('win32', 'x64'), ['dml', 'cpu']);
  assert.deepEqual(defaultProviders('darwin', 'arm64'), ['coreml', 'cpu']);
  assert.deepEqual(defaultProviders('linux', 'arm64'), ['cpu']);
});

test('a provider that cannot open the model is skipped with its reason, and the CPU runs it', async () => {
  const messages: string[] = [];
  const logger = { ...silentLogger, info: (m: string, f?: Record<string, unknown>) => messages.push(`${m} ${JSON.stringify(f)}`) };
  // CUDA's libraries are not installed on the test machines; where they are, this checks the happy path.
  const opened = await openSession(join(tinyWhisper(), 'onnx', 'encoder_model.onnx'), { providers: ['cuda', 'cpu'], threads: 1 }, logger);
  if (opened.provider === 'cpu') {
    assert.equal(opened.skipped[0]!.provider, 'cuda');
    assert.ok(opened.skipped[0]!.reason.length > 0);
    assert.ok(messages.some((m) => /running on cpu/.test(m) && /cuda: /.test(m)), messages.join('\n'));
  }
});

test("a provider's encoder output is checked against the CPU's before it is trusted", async () => {
  const dir = tinyWhisper();
  const config = loadModelConfig(dir);
  const path = join(dir, 'onnx', 'encoder_model.onnx');
  const cpu = await openSession(path, { providers: ['cpu'], threads: 1 }, silentLogger);
  const same = await openSession(path, { providers: ['cpu'], threads: 2 }, silentLogger);
  assert.equal(await compareEncoders(same, cpu, config), null);
  // A session computing something else stands in for a provider with a faulty kernel.
  const other = await openSession(join(tinyWhisper({ seed: 7, name: 'tiny-whisper-seed7' }), 'onnx', 'encoder_model.onnx'), { providers: ['cpu'], threads: 1 }, silentLogger);
  assert.match((await compareEncoders(other, cpu, config)) ?? '', /largest difference/);
});
