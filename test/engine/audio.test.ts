import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { AudioError, decodeAudio, probe, SAMPLE_RATE } from '../../worker/pipeline/audio.js';
import { mediaDir, toneWav, videoWithoutAudio, videoWithTone } from '../helpers/media.js';

describe('audio decoding with ffmpeg', () => {
  let dir: string;
  before(() => {
    dir = mediaDir();
  });

  test('a video container decodes to 16 kHz mono float32, duration known up front', async () => {
    const file = videoWithTone(dir, 3);
    const info = await probe(file);
    assert.ok(info.duration && Math.abs(info.duration - 3) < 0.2, `duration ${info.duration}`);
    assert.equal(info.channels, 2);
    const progress: number[] = [];
    const { samples } = await decodeAudio(file, { onProgress: (s) => progress.push(s) });
    assert.ok(Math.abs(samples.length / SAMPLE_RATE - 3) < 0.1, `${samples.length} samples`);
    assert.ok(progress.length > 0 && progress.at(-1)! > 2.5, 'progress was reported');
    // A 440 Hz tone: about 2 × 440 zero crossings a second, and a level well above silence.
    let crossings = 0;
    for (let i = 1; i < SAMPLE_RATE; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
    assert.ok(Math.abs(crossings - 880) < 20, `${crossings} zero crossings`);
    assert.ok(Math.max(...samples.subarray(0, 1000)) > 0.05);
  });

  test('a WAV at 16 kHz decodes sample for sample in length', async () => {
    const { samples } = await decodeAudio(toneWav(dir, 2));
    assert.equal(samples.length, 2 * SAMPLE_RATE);
  });

  const failures: [string, () => string, AudioError['reason'], RegExp][] = [
    ['a missing file', () => join(dir, 'nope.mp4'), 'not_found', /File not found: .*nope\.mp4/],
    ['a video with no audio stream', () => videoWithoutAudio(dir, 1), 'no_audio', /silent\.mp4 has no audio stream \(streams: video\)/],
    ['a file that is not media', () => (writeFileSync(join(dir, 'notes.mp4'), 'just some text\n'), join(dir, 'notes.mp4')), 'unreadable', /notes\.mp4 is not a media file ffmpeg can read/],
    ['a folder', () => dir, 'unreadable', /is a folder, not a media file/],
  ];
  for (const [what, make, reason, message] of failures) {
    test(`${what}: a clear error naming the file and the cause`, async () => {
      await assert.rejects(decodeAudio(make()), (error: unknown) => {
        assert.ok(error instanceof AudioError);
        assert.equal(error.reason, reason);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  test('decoding can be cancelled', async () => {
    const file = videoWithTone(dir, 20, 'long.mp4');
    const controller = new AbortController();
    const decoding = decodeAudio(file, { signal: controller.signal, onProgress: () => controller.abort() });
    await assert.rejects(decoding, (error: unknown) => error instanceof AudioError && error.reason === 'cancelled');
  });
});
