// The engine's greedy decoding against @huggingface/transformers on the same ONNX files.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { LogMelExtractor } from '../../worker/pipeline/whisper/features.js';
import { loadModelConfig, type WhisperModelConfig } from '../../worker/pipeline/whisper/model-config.js';
import { WhisperRunner } from '../../worker/pipeline/whisper/runner.js';
import { WhisperTokenizer } from '../../worker/pipeline/whisper/tokenizer.js';
import { tinyWhisper } from '../helpers/tiny-whisper.js';
import { testAudio } from '../helpers/audio.js';
import { loadReference, type Reference } from './reference.js';

interface Engine {
  config: WhisperModelConfig;
  runner: WhisperRunner;
  features: LogMelExtractor;
}

async function loadEngine(dir: string): Promise<Engine> {
  const config = loadModelConfig(dir);
  const options = { intraOpNumThreads: 1 };
  const runner = new WhisperRunner(
    await ort.InferenceSession.create(`${dir}/onnx/encoder_model.onnx`, options),
    await ort.InferenceSession.create(`${dir}/onnx/decoder_model_merged.onnx`, options),
    config,
  );
  return { config, runner, features: new LogMelExtractor(config.features) };
}

function prompt(config: WhisperModelConfig, language: string, task: 'transcribe' | 'translate', timestamps: boolean): number[] {
  const t = config.tokens;
  return [t.startOfTranscript, t.languages.get(language)!, task === 'transcribe' ? t.transcribe! : t.translate!, ...(timestamps ? [] : [t.noTimestamps])];
}

const CASES = [
  { seconds: 9, seed: 1, language: 'en', task: 'transcribe', timestamps: true },
  { seconds: 30, seed: 2, language: 'fr', task: 'translate', timestamps: true },
  { seconds: 4.2, seed: 3, language: 'ja', task: 'transcribe', timestamps: false },
  { seconds: 17, seed: 4, language: 'zh', task: 'transcribe', timestamps: true },
  { seconds: 0.5, seed: 5, language: 'de', task: 'translate', timestamps: false },
] as const;

for (const variant of [{ v3: false }, { v3: true }]) {
  describe(`greedy tokens equal the reference (${variant.v3 ? '128 mels, 51866 tokens' : '80 mels, 51865 tokens'})`, () => {
    let engine: Engine;
    let reference: Reference;
    before(async () => {
      const dir = tinyWhisper(variant);
      engine = await loadEngine(dir);
      reference = await loadReference(dir);
    });

    for (const c of CASES) {
      test(`${c.seconds} s, ${c.language}, ${c.task}, timestamps ${c.timestamps}`, async () => {
        const audio = testAudio(c.seconds, c.seed);
        const init = prompt(engine.config, c.language, c.task, c.timestamps);
        const expected = await reference.generate(audio, { language: c.language, task: c.task, timestamps: c.timestamps, promptLength: init.length });
        const states = await engine.runner.encode(engine.features.compute(audio), 1);
        const [ours] = await engine.runner.generate(states, [init], { timestamps: c.timestamps, temperature: 0 });
        assert.deepEqual([...init, ...ours!.tokens], expected);
        assert.ok(ours!.tokens.length > 3, 'something was generated');
        if (c.timestamps) assert.ok(ours!.tokens[0]! >= engine.config.tokens.timestampBegin, 'timestamps mode starts with a timestamp');
      });
    }
  });
}

describe('batching and language detection', () => {
  let engine: Engine;
  before(async () => {
    engine = await loadEngine(tinyWhisper());
  });

  test('a batch of windows decodes exactly as each window alone', async () => {
    const audios = [testAudio(6, 11), testAudio(25, 12), testAudio(12, 13)];
    const { nbMaxFrames } = engine.config.features;
    const width = engine.config.numMelBins * nbMaxFrames;
    const batchFeatures = new Float32Array(audios.length * width);
    audios.forEach((a, i) => engine.features.compute(a, batchFeatures, i * width));
    const init = prompt(engine.config, 'en', 'transcribe', true);
    const batched = await engine.runner.generate(await engine.runner.encode(batchFeatures, audios.length), audios.map(() => init), { timestamps: true, temperature: 0 });
    for (let i = 0; i < audios.length; i++) {
      const [alone] = await engine.runner.generate(await engine.runner.encode(engine.features.compute(audios[i]!), 1), [init], { timestamps: true, temperature: 0 });
      assert.deepEqual(batched[i]!.tokens, alone!.tokens, `window ${i}`);
    }
  });

  test('language detection picks a language token for each window', async () => {
    const states = await engine.runner.encode(engine.features.compute(testAudio(8, 21)), 1);
    const [detected] = await engine.runner.detectLanguages(states);
    assert.ok(engine.config.tokens.languages.has(detected!.code));
    assert.ok(detected!.logprob <= 0);
  });

  test('the tokenizer turns generated tokens into text, leaving timestamps out', async () => {
    const tokenizer = WhisperTokenizer.load(engine.config.dir);
    const states = await engine.runner.encode(engine.features.compute(testAudio(9, 1)), 1);
    const [out] = await engine.runner.generate(states, [prompt(engine.config, 'en', 'transcribe', true)], { timestamps: true, temperature: 0 });
    const text = tokenizer.decode(out!.tokens);
    assert.ok(text.length > 0);
    assert.doesNotMatch(text, /<\|/);
    assert.equal(tokenizer.piece(engine.config.tokens.timestampBegin), '<|0.00|>');
  });
});
