import * as ort from 'onnxruntime-node';
import { chooseToken, logProbability } from './logits-rules.js';
import type { WhisperModelConfig } from './model-config.js';

export interface GenerateOptions {
  timestamps: boolean;
  /** 0 is greedy search; above 0, sampling at that temperature. */
  temperature: number;
  /** Uniform draws for sampling; seeded by the caller so runs repeat. */
  random?: () => number;
  /** Checked between decoder steps: true stops the batch (cancellation). */
  stopped?: () => boolean;
}

export interface GeneratedSequence {
  /** Generated tokens, prompt excluded; the last is <|endoftext|> when the model ended it. */
  tokens: number[];
  /** Sum of the chosen tokens' log-probabilities (after the logits rules). */
  sumLogprob: number;
  /** Probability of <|nospeech|> at the start-of-transcript position. */
  noSpeechProb: number | null;
}

type Feeds = Record<string, ort.Tensor>;

/**
 * Runs a Whisper model's two ONNX sessions: the encoder on batches of log-mel windows, and the
 * merged decoder step by step with its key/value cache, the cross-attention part of which is
 * computed at the first step and fed back afterwards.
 */
export class WhisperRunner {
  private readonly cacheNames: string[];
  private readonly cacheType: ort.Tensor.Type;

  constructor(
    readonly encoder: ort.InferenceSession,
    readonly decoder: ort.InferenceSession,
    readonly config: WhisperModelConfig,
  ) {
    this.cacheNames = decoder.inputNames.filter((name) => name.startsWith('past_key_values.'));
    const meta = decoder.inputMetadata.find((m) => m.name === this.cacheNames[0]);
    this.cacheType = (meta && 'type' in meta ? meta.type : 'float32') as ort.Tensor.Type;
    if (!decoder.inputNames.includes('use_cache_branch')) {
      throw new Error(`${config.dir}: the decoder is not a merged decoder (no use_cache_branch input).`);
    }
  }

  /** Encoder hidden states for `batch` windows of features laid out one after another. */
  async encode(features: Float32Array, batch: number): Promise<ort.Tensor> {
    const { numMelBins, features: f } = this.config;
    const input = new ort.Tensor('float32', features, [batch, numMelBins, f.nbMaxFrames]);
    const outputs = await this.encoder.run({ [this.encoder.inputNames[0]!]: input });
    return outputs[this.encoder.outputNames[0]!]!;
  }

  /** The rows `indices` of a batch of encoder states, as a new batch. */
  select(states: ort.Tensor, indices: number[]): ort.Tensor {
    const [batch, frames, width] = states.dims as [number, number, number];
    if (indices.length === batch && indices.every((v, i) => v === i)) return states;
    const data = states.data as Float32Array;
    const row = frames * width;
    const out = new Float32Array(indices.length * row);
    indices.forEach((index, i) => out.set(data.subarray(index * row, (index + 1) * row), i * row));
    return new ort.Tensor('float32', out, [indices.length, frames, width]);
  }

  /** The most probable language of each window, from the logits after <|startoftranscript|>. */
  async detectLanguages(states: ort.Tensor): Promise<{ code: string; logprob: number }[]> {
    const batch = states.dims[0]!;
    const languages = [...this.config.tokens.languages];
    if (languages.length === 0) return Array.from({ length: batch }, () => ({ code: 'en', logprob: 0 }));
    const { logits } = await this.step(this.initialFeeds(states, Array.from({ length: batch }, () => [this.config.tokens.startOfTranscript])));
    const vocab = logits.dims[2]!;
    const data = logits.data as Float32Array;
    return Array.from({ length: batch }, (_, b) => {
      const row = data.subarray(b * vocab, (b + 1) * vocab);
      // Softmax over the language tokens only, as Whisper's detect_language does.
      let max = -Infinity;
      for (const [, id] of languages) max = Math.max(max, row[id]!);
      let total = 0;
      for (const [, id] of languages) total += Math.exp(row[id]! - max);
      let best = languages[0]!;
      for (const entry of languages) if (row[entry[1]]! > row[best[1]]!) best = entry;
      return { code: best[0], logprob: row[best[1]]! - max - Math.log(total) };
    });
  }

  /**
   * Decodes every window of the batch from its prompt until each has produced <|endoftext|> or the
   * sequence reached max_length (prompt included), as the reference does.
   */
  async generate(states: ort.Tensor, prompts: number[][], options: GenerateOptions): Promise<GeneratedSequence[]> {
    const batch = prompts.length;
    const promptLength = prompts[0]!.length;
    if (prompts.some((p) => p.length !== promptLength)) throw new Error('prompts of one batch must have the same length');
    const { endOfText, noSpeech, startOfTranscript } = this.config.tokens;
    const results: GeneratedSequence[] = prompts.map(() => ({ tokens: [], sumLogprob: 0, noSpeechProb: null }));
    const done = new Array<boolean>(batch).fill(false);

    let feeds = this.initialFeeds(states, prompts);
    let length = promptLength;
    for (;;) {
      const { logits, presents } = await this.step(feeds);
      const [, positions, vocab] = logits.dims as [number, number, number];
      const data = logits.data as Float32Array;
      const next: number[] = [];
      for (let b = 0; b < batch; b++) {
        if (length === promptLength && noSpeech !== null) {
          const sotIndex = prompts[b]!.indexOf(startOfTranscript);
          const row = data.subarray((b * positions + sotIndex) * vocab, (b * positions + sotIndex + 1) * vocab);
          results[b]!.noSpeechProb = Math.exp(logProbability(row, noSpeech));
        }
        if (done[b]) {
          next.push(endOfText);
          continue;
        }
        const offset = (b * positions + positions - 1) * vocab;
        // The output tensor is ours alone after run(): rule its rows in place.
        const row = data.subarray(offset, offset + vocab);
        const { token, logprob } = chooseToken(row, results[b]!.tokens, this.config, {
          timestamps: options.timestamps,
          temperature: options.temperature,
          ...(options.temperature > 0 && { uniform: options.random!() }),
        });
        results[b]!.sumLogprob += logprob;
        results[b]!.tokens.push(token);
        if (token === endOfText) done[b] = true;
        next.push(token);
      }
      length++;
      if (done.every(Boolean) || length >= this.config.maxLength || options.stopped?.()) break;
      feeds = this.nextFeeds(feeds, presents, next, length === promptLength + 1);
    }
    return results;
  }

  private initialFeeds(states: ort.Tensor, prompts: number[][]): Feeds {
    const batch = prompts.length;
    const { decoderHeads, dModel } = this.config;
    const headDim = dModel / decoderHeads;
    const feeds: Feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(prompts.flat().map(BigInt)), [batch, prompts[0]!.length]),
      encoder_hidden_states: states,
      use_cache_branch: new ort.Tensor('bool', [false], [1]),
    };
    const empty = this.cacheType === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    for (const name of this.cacheNames) feeds[name] = new ort.Tensor(this.cacheType, empty, [batch, decoderHeads, 0, headDim]);
    return feeds;
  }

  /** Feeds for one more token per window: the self-attention cache grows, the cross-attention cache is reused. */
  private nextFeeds(previous: Feeds, presents: Map<string, ort.Tensor>, tokens: number[], firstStep: boolean): Feeds {
    const feeds: Feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(tokens.map(BigInt)), [tokens.length, 1]),
      encoder_hidden_states: previous.encoder_hidden_states!,
      use_cache_branch: new ort.Tensor('bool', [true], [1]),
    };
    for (const name of this.cacheNames) {
      const isCross = name.includes('.encoder.');
      // Cross-attention keys/values are computed once; later steps only echo them back.
      feeds[name] = isCross && !firstStep ? previous[name]! : presents.get(name.replace('past_key_values', 'present'))!;
    }
    return feeds;
  }

  private async step(feeds: Feeds): Promise<{ logits: ort.Tensor; presents: Map<string, ort.Tensor> }> {
    const outputs = await this.decoder.run(feeds);
    const presents = new Map<string, ort.Tensor>();
    for (const [name, tensor] of Object.entries(outputs)) if (name.startsWith('present')) presents.set(name, tensor);
    return { logits: outputs.logits!, presents };
  }
}
