import { freemem } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../../common/logger.js';
import { SAMPLE_RATE } from '../audio.js';
import { openSession, type ExecutionProvider, type OpenedSession } from '../onnx-session.js';
import { packWindows, SileroVad, speechRegions, type SpeechRegion, type VadOptions } from '../vad.js';
import { LogMelExtractor } from './features.js';
import { loadModelConfig, type WhisperModelConfig } from './model-config.js';
import { WhisperRunner, type GeneratedSequence } from './runner.js';
import { compressionRatio, tokensToSegments } from './segments.js';
import { WhisperTokenizer } from './tokenizer.js';

export type WhisperTask = 'transcribe' | 'translate';

export interface TranscribeOptions {
  /** A Whisper language code, or null to detect it. */
  language: string | null;
  task: WhisperTask;
  /** Windows per encoder/decoder batch; by default chosen from free memory. */
  batchSize?: number;
  /** Temperatures tried in turn when a window's text looks wrong (Whisper's fallback). */
  temperatures?: number[];
  compressionRatioThreshold?: number;
  logprobThreshold?: number;
  noSpeechThreshold?: number;
  vad?: VadOptions;
  /** Seeds the sampler of the fallback temperatures, so runs repeat. */
  seed?: number;
  /** Checked between batches and decoder steps. */
  stopped?: () => boolean;
  onProgress?: (progress: TranscribeProgress) => void;
}

export interface TranscribeProgress {
  stage: 'vad' | 'decode';
  /** Of the whole transcription, 0..1: voice activity is the first tenth, decoding the rest. */
  fraction: number;
  windowsDone: number;
  windowsTotal: number;
}

const VAD_SHARE = 0.1;

export interface Segment {
  /** Seconds from the start of the audio. */
  start: number;
  end: number;
  text: string;
  tokens: number[];
}

export interface WindowReport {
  start: number;
  end: number;
  /** The window's generated tokens, as decoded (prompt excluded). */
  tokens: number[];
  temperature: number;
  avgLogprob: number;
  compressionRatio: number;
  noSpeechProb: number | null;
  skippedAsSilence: boolean;
}

export interface TranscriptionResult {
  language: string;
  segments: Segment[];
  windows: WindowReport[];
}

export class TranscriptionCancelled extends Error {
  override name = 'TranscriptionCancelled';
  constructor() {
    super('Transcription was cancelled.');
  }
}

export interface TranscriberOptions {
  providers?: ExecutionProvider[];
  threads?: number;
  /** Which file variant to load: '' (fp32), '_fp16' or '_quantized'. */
  variant?: '' | '_fp16' | '_quantized';
}

const DEFAULTS = {
  temperatures: [0, 0.2, 0.4, 0.6, 0.8, 1.0],
  compressionRatioThreshold: 2.4,
  logprobThreshold: -1.0,
  noSpeechThreshold: 0.6,
};

/**
 * Audio in, timed text out: voice activity → windows of ≤ 30 s → log-mel features → encoder and
 * decoder in batches, with Whisper's temperature fallback and no-speech test per window.
 */
export class WhisperTranscriber {
  private constructor(
    readonly config: WhisperModelConfig,
    private readonly runner: WhisperRunner,
    private readonly tokenizer: WhisperTokenizer,
    private readonly vad: SileroVad,
    readonly encoderSession: OpenedSession,
    private readonly logger: Logger,
  ) {}

  static async load(modelDir: string, options: TranscriberOptions, logger: Logger): Promise<WhisperTranscriber> {
    const config = loadModelConfig(modelDir);
    const variant = options.variant ?? '';
    const encoderPath = join(modelDir, 'onnx', `encoder_model${variant}.onnx`);
    let encoder = await openSession(encoderPath, options, logger);
    if (encoder.provider !== 'cpu') {
      // A provider is trusted only once its numbers match the CPU's on the same input (WebGPU's
      // have been seen to drift).
      const cpu = await openSession(encoderPath, { ...options, providers: ['cpu'] }, logger);
      const disagreement = await compareEncoders(encoder, cpu, config);
      if (disagreement !== null) {
        logger.warn(`${encoder.provider} disagrees with the CPU; running on the CPU`, { model: modelDir, detail: disagreement });
        encoder = { ...cpu, skipped: [...encoder.skipped, { provider: encoder.provider, reason: `disagrees with the CPU: ${disagreement}` }] };
      } else {
        await cpu.session.release();
      }
    }
    // The decoder follows the encoder's provider: mixing them would copy the cache across devices.
    const decoder = await openSession(join(modelDir, 'onnx', `decoder_model_merged${variant}.onnx`), { ...options, providers: [encoder.provider] }, logger);
    const runner = new WhisperRunner(encoder.session, decoder.session, config);
    return new WhisperTranscriber(config, runner, WhisperTokenizer.load(modelDir), await SileroVad.load(), encoder, logger);
  }

  get provider(): ExecutionProvider {
    return this.encoderSession.provider;
  }

  /** Windows per batch: as many as half the free memory holds, between 1 and 8. */
  defaultBatchSize(): number {
    const { dModel, decoderLayers, features } = this.config;
    const frames = features.nbMaxFrames / 2;
    // Encoder activations and the cross-attention cache dominate: a few copies of frames × d_model per layer.
    const perWindow = frames * dModel * 4 * (8 + decoderLayers * 4);
    return Math.max(1, Math.min(8, Math.floor(freemem() / 2 / perWindow)));
  }

  async transcribe(samples: Float32Array, options: TranscribeOptions): Promise<TranscriptionResult> {
    const o = { ...DEFAULTS, ...options };
    const stopped = () => options.stopped?.() ?? false;
    const maxSamples = this.config.features.nSamples;

    const vadProgress = (f: number) => options.onProgress?.({ stage: 'vad', fraction: f * VAD_SHARE, windowsDone: 0, windowsTotal: 0 });
    const regions = speechRegions(await this.vad.probabilities(samples, stopped, vadProgress), samples.length, options.vad);
    if (stopped()) throw new TranscriptionCancelled();
    const windows = packWindows(regions, maxSamples);
    if (windows.length === 0) return { language: options.language ?? 'en', segments: [], windows: [] };

    const batchSize = options.batchSize ?? this.defaultBatchSize();
    const extractor = new LogMelExtractor(this.config.features);
    const width = this.config.numMelBins * this.config.features.nbMaxFrames;
    let language = options.language ?? (this.config.isMultilingual ? null : 'en');
    const random = seededRandom(options.seed ?? 0);
    const segments: Segment[] = [];
    const reports: WindowReport[] = [];

    for (let first = 0; first < windows.length; first += batchSize) {
      if (stopped()) throw new TranscriptionCancelled();
      const batch = windows.slice(first, first + batchSize);
      const features = new Float32Array(batch.length * width);
      batch.forEach((w, i) => extractor.compute(samples.subarray(w.start, w.end), features, i * width));
      const states = await this.runner.encode(features, batch.length);
      language ??= await this.detectLanguage(states);
      const prompt = this.prompt(language, o.task);

      const outcomes = await this.decodeWithFallback(states, prompt, o, random, stopped);
      if (stopped()) throw new TranscriptionCancelled();
      batch.forEach((window, i) => {
        const { sequence, temperature, avgLogprob, ratio, silent } = outcomes[i]!;
        reports.push({
          start: window.start / SAMPLE_RATE,
          end: window.end / SAMPLE_RATE,
          tokens: sequence.tokens,
          temperature,
          avgLogprob,
          compressionRatio: ratio,
          noSpeechProb: sequence.noSpeechProb,
          skippedAsSilence: silent,
        });
        if (!silent) segments.push(...this.toSegments(sequence.tokens, window));
      });
      const done = Math.min(windows.length, first + batch.length);
      options.onProgress?.({ stage: 'decode', fraction: VAD_SHARE + (1 - VAD_SHARE) * (done / windows.length), windowsDone: done, windowsTotal: windows.length });
    }
    return { language: language ?? 'en', segments, windows: reports };
  }

  /** The first window's language (detected on the batch it arrives in: all windows of a file share it). */
  private async detectLanguage(states: Awaited<ReturnType<WhisperRunner['encode']>>): Promise<string> {
    const detected = await this.runner.detectLanguages(this.runner.select(states, [0]));
    this.logger.info('language detected', { language: detected[0]!.code, probability: Math.exp(detected[0]!.logprob).toFixed(3) });
    return detected[0]!.code;
  }

  private prompt(language: string, task: WhisperTask): number[] {
    const t = this.config.tokens;
    if (!this.config.isMultilingual) return [t.startOfTranscript];
    const languageToken = t.languages.get(language);
    if (languageToken === undefined) throw new Error(`This model does not know the language '${language}'.`);
    const taskToken = task === 'translate' ? t.translate : t.transcribe;
    if (taskToken === null) throw new Error(`This model cannot ${task}.`);
    return [t.startOfTranscript, languageToken, taskToken];
  }

  /**
   * Greedy first; windows whose text compresses too well (a loop) or whose tokens are too
   * unlikely are decoded again at the next temperature. A window that is probably silence is
   * not retried: it is dropped.
   */
  private async decodeWithFallback(
    states: Awaited<ReturnType<WhisperRunner['encode']>>,
    prompt: number[],
    o: typeof DEFAULTS & TranscribeOptions,
    random: () => number,
    stopped: () => boolean,
  ) {
    const count = states.dims[0]!;
    const outcomes: { sequence: GeneratedSequence; temperature: number; avgLogprob: number; ratio: number; silent: boolean }[] = new Array(count);
    let pending = Array.from({ length: count }, (_, i) => i);
    for (const temperature of o.temperatures) {
      if (pending.length === 0 || stopped()) break;
      const sequences = await this.runner.generate(this.runner.select(states, pending), pending.map(() => prompt), {
        timestamps: true,
        temperature,
        random,
        stopped,
      });
      const retry: number[] = [];
      sequences.forEach((sequence, j) => {
        const index = pending[j]!;
        const textTokens = sequence.tokens.filter((t) => t < this.config.tokens.endOfText);
        const ratio = compressionRatio(this.tokenizer.decode(textTokens));
        const avgLogprob = sequence.sumLogprob / Math.max(1, sequence.tokens.length);
        const silent = sequence.noSpeechProb !== null && sequence.noSpeechProb > o.noSpeechThreshold && avgLogprob < o.logprobThreshold;
        outcomes[index] = { sequence, temperature, avgLogprob, ratio, silent };
        const poor = ratio > o.compressionRatioThreshold || avgLogprob < o.logprobThreshold;
        if (poor && !silent) retry.push(index);
      });
      pending = retry;
    }
    return outcomes;
  }

  private toSegments(tokens: number[], window: SpeechRegion): Segment[] {
    const offset = window.start / SAMPLE_RATE;
    const seconds = (window.end - window.start) / SAMPLE_RATE;
    return tokensToSegments(tokens, this.config, seconds)
      .map((s) => ({ start: offset + s.start, end: offset + s.end, tokens: s.tokens, text: this.tokenizer.decode(s.tokens).trim() }))
      .filter((s) => s.text.length > 0);
  }
}

/** Null when the two sessions' encoder outputs agree on a fixed input; else how far apart they are. */
export async function compareEncoders(candidate: OpenedSession, reference: OpenedSession, config: WhisperModelConfig): Promise<string | null> {
  const { numMelBins, features } = config;
  const input = Float32Array.from({ length: numMelBins * features.nbMaxFrames }, (_, i) => Math.sin(i * 0.013) * 0.8);
  const run = async (opened: OpenedSession) => {
    const out = await opened.session.run({ [opened.session.inputNames[0]!]: new ort.Tensor('float32', input, [1, numMelBins, features.nbMaxFrames]) });
    return out[opened.session.outputNames[0]!]!.data as Float32Array;
  };
  const [a, b] = [await run(candidate), await run(reference)];
  let worst = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  // fp16 arithmetic on a GPU differs in the third digit; a wrong kernel differs in the first.
  return worst / scale > 2e-2 ? `largest difference ${worst.toExponential(2)} against values up to ${scale.toFixed(2)}` : null;
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
