import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { decodeAudio, SAMPLE_RATE } from '../../worker/pipeline/audio.js';
import { packWindows, SileroVad, speechRegions } from '../../worker/pipeline/vad.js';
import { hasEspeak, mediaDir, speechWithPauses } from '../helpers/media.js';

describe('Silero VAD v5', () => {
  let vad: SileroVad;
  before(async () => {
    vad = await SileroVad.load();
  });

  test('finds each utterance between silences, and no speech in the silence', async () => {
    const { file, utterances } = speechWithPauses(mediaDir(), [
      ['The quick brown fox jumps over the lazy dog.', 4],
      ['Subtitles are made on your own computer.', 3],
      ['One more sentence to finish.', 2],
    ]);
    const { samples } = await decodeAudio(file);
    const found = speechRegions(await vad.probabilities(samples), samples.length);
    // The synthetic voice (used without espeak-ng) has dips a real voice has not: close regions count as one.
    const regions = hasEspeak ? found : found.reduce<typeof found>((merged, r) => {
      const last = merged.at(-1);
      if (last && r.start - last.end < SAMPLE_RATE) last.end = r.end;
      else merged.push({ ...r });
      return merged;
    }, []);
    assert.equal(regions.length, 3, JSON.stringify(regions.map((r) => [r.start / SAMPLE_RATE, r.end / SAMPLE_RATE])));
    regions.forEach((region, i) => {
      const expected = utterances[i]!;
      // The synthetic voice (used without espeak-ng) takes the model a little longer to trust.
      const onsetTolerance = hasEspeak ? 0.5 : 0.9;
      assert.ok(Math.abs(region.start / SAMPLE_RATE - expected.start) < onsetTolerance, `start of ${i}: ${region.start / SAMPLE_RATE} vs ${expected.start}`);
      assert.ok(Math.abs(region.end / SAMPLE_RATE - expected.end) < 0.7, `end of ${i}: ${region.end / SAMPLE_RATE} vs ${expected.end}`);
    });
  });

  test('silence alone has no speech regions', async () => {
    const regions = speechRegions(await vad.probabilities(new Float32Array(SAMPLE_RATE * 20)), SAMPLE_RATE * 20);
    assert.deepEqual(regions, []);
  });

  test('windows hold at most 30 s; close regions share one; a long region is cut', () => {
    const s = (seconds: number) => seconds * SAMPLE_RATE;
    const windows = packWindows(
      [
        { start: s(0), end: s(5) },
        { start: s(6), end: s(12) },
        { start: s(40), end: s(50) },
        { start: s(60), end: s(125) },
      ],
      s(30),
    );
    assert.deepEqual(
      windows.map((w) => [w.start / SAMPLE_RATE, w.end / SAMPLE_RATE]),
      [
        [0, 12],
        [40, 50],
        [60, 90],
        [90, 120],
        [120, 125],
      ],
    );
    assert.ok(windows.every((w) => w.end - w.start <= s(30)));
  });
});
