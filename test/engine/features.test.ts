import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ComplexFft, RealPowerSpectrum } from '../../worker/pipeline/whisper/fft.js';
import { LogMelExtractor } from '../../worker/pipeline/whisper/features.js';
import { loadModelConfig } from '../../worker/pipeline/whisper/model-config.js';
import { tinyWhisper } from '../helpers/tiny-whisper.js';
import { loadReference, type Reference } from './reference.js';
import { testAudio } from '../helpers/audio.js';

function naiveDft(re: number[], im: number[]): { re: number[]; im: number[] } {
  const n = re.length;
  const out = { re: new Array<number>(n).fill(0), im: new Array<number>(n).fill(0) };
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * k * t) / n;
      out.re[k]! += re[t]! * Math.cos(a) - im[t]! * Math.sin(a);
      out.im[k]! += re[t]! * Math.sin(a) + im[t]! * Math.cos(a);
    }
  }
  return out;
}

describe('FFT', () => {
  for (const size of [8, 12, 25, 200, 400, 7 * 11]) {
    test(`complex FFT of size ${size} equals a direct DFT`, () => {
      const re = Array.from({ length: size }, (_, i) => Math.sin(i * 1.3) + (i % 3));
      const im = Array.from({ length: size }, (_, i) => Math.cos(i * 0.7));
      const fft = new ComplexFft(size);
      const outRe = new Float64Array(size);
      const outIm = new Float64Array(size);
      fft.transform(Float64Array.from(re), Float64Array.from(im), outRe, outIm);
      const expected = naiveDft(re, im);
      for (let k = 0; k < size; k++) {
        assert.ok(Math.abs(outRe[k]! - expected.re[k]!) < 1e-9 && Math.abs(outIm[k]! - expected.im[k]!) < 1e-9, `bin ${k}`);
      }
    });
  }

  test('the real power spectrum equals |DFT|² of the real frame', () => {
    const frame = Float64Array.from({ length: 400 }, (_, i) => Math.sin(i * 0.05) + 0.3 * Math.cos(i * 1.7));
    const out = new Float64Array(201);
    new RealPowerSpectrum(400).compute(frame, out);
    const expected = naiveDft([...frame], new Array(400).fill(0));
    for (let k = 0; k <= 200; k++) {
      const power = expected.re[k]! ** 2 + expected.im[k]! ** 2;
      assert.ok(Math.abs(out[k]! - power) < 1e-7 * Math.max(1, power), `bin ${k}`);
    }
  });
});

describe('log-mel features against @huggingface/transformers', () => {
  let reference: Reference;
  let extractor: LogMelExtractor;
  before(async () => {
    const dir = tinyWhisper();
    reference = await loadReference(dir);
    extractor = new LogMelExtractor(loadModelConfig(dir).features);
  });

  for (const seconds of [0.05, 3.7, 29.99, 30, 45]) {
    test(`${seconds} s of audio: every value within 1e-4`, async () => {
      const audio = testAudio(seconds, Math.round(seconds * 100));
      const ours = extractor.compute(audio);
      const theirs = await reference.features(audio);
      assert.equal(ours.length, theirs.length);
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
      assert.ok(worst < 1e-4, `largest difference ${worst}`);
    });
  }

  test('silence gives the floor everywhere', () => {
    const ours = extractor.compute(new Float32Array(16000));
    assert.ok(ours.every((v) => v === ours[0]), 'one value throughout');
  });
});
