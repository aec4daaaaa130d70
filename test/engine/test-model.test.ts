import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeTinyWhisper } from '../tiny-whisper/generate.js';

const files = ['config.json', 'generation_config.json', 'preprocessor_config.json', 'tokenizer.json', 'onnx/encoder_model.onnx', 'onnx/decoder_model_merged.onnx'];

test('the test model is the same, byte for byte, for the same seed, and different for another', () => {
  const [a, b, c] = [1, 2, 3].map(() => mkdtempSync(join(tmpdir(), 'tiny-whisper-')));
  writeTinyWhisper(a!, { seed: 5 });
  writeTinyWhisper(b!, { seed: 5 });
  writeTinyWhisper(c!, { seed: 6 });
  for (const file of files) assert.ok(readFileSync(join(a!, file)).equals(readFileSync(join(b!, file))), file);
  assert.ok(!readFileSync(join(a!, 'onnx/decoder_model_merged.onnx')).equals(readFileSync(join(c!, 'onnx/decoder_model_merged.onnx'))));
  const generation = JSON.parse(readFileSync(join(a!, 'generation_config.json'), 'utf8'));
  assert.equal(generation.lang_to_id['<|en|>'], 50259);
  assert.equal(generation.no_timestamps_token_id, 50363);
  assert.equal(generation.task_to_id.transcribe, 50359);
});
