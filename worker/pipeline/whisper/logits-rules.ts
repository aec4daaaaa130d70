import type { WhisperModelConfig } from './model-config.js';

export interface ChosenToken {
  token: number;
  /** log softmax of the final (ruled) logits at the chosen token. */
  logprob: number;
}

/**
 * Applies the logits rules of Whisper's search, in the order and form @huggingface/transformers
 * applies them (the reference the engine is held to, token for token), then picks the token:
 * - with timestamps: <|notimestamps|> never; the first token is a timestamp; timestamps come in
 *   pairs except right before the end; a timestamp is forced when all timestamps together are
 *   likelier than the likeliest text token;
 * - begin_suppress_tokens at the first generated position;
 * - greedy: the first maximum; above temperature 0: a sample.
 * One exponential pass over the vocabulary serves both the timestamp rule and the chosen
 * token's log-probability. Mutates `logits` (one row) in place.
 */
export function chooseToken(
  logits: Float32Array,
  generated: readonly number[],
  config: WhisperModelConfig,
  options: { timestamps: boolean; temperature: number; uniform?: number },
): ChosenToken {
  const { timestampBegin, noTimestamps, endOfText } = config.tokens;
  const first = generated.length === 0;
  // The final row's softmax normaliser when the timestamp rule already computed it.
  let known: { max: number; logSum: number } | null = null;
  if (options.timestamps) {
    logits[noTimestamps] = -Infinity;
    if (first) {
      logits.fill(-Infinity, 0, timestampBegin);
    } else {
      const last = generated[generated.length - 1]!;
      const penultimateWasTimestamp = generated.length < 2 || generated[generated.length - 2]! >= timestampBegin;
      if (last >= timestampBegin) {
        if (penultimateWasTimestamp) logits.fill(-Infinity, timestampBegin);
        else logits.fill(-Infinity, 0, endOfText);
      }
      const rule = timestampRule(logits, timestampBegin);
      if (rule) {
        if (rule.timestampsWin) logits.fill(-Infinity, 0, timestampBegin);
        known = { max: rule.max, logSum: rule.timestampsWin ? rule.timestampLogSum : rule.logSum };
      }
    }
  }
  if (first) for (const token of config.beginSuppressTokens) logits[token] = -Infinity;
  const token = options.temperature > 0 ? sampleToken(logits, options.temperature, options.uniform!) : argmax(logits);
  const logprob = known ? logits[token]! - known.max - known.logSum : logProbability(logits, token);
  return { token, logprob };
}

/**
 * Whether log Σ p(timestamps) exceeds the best text token's log-probability, rounded where the
 * reference rounds (its log-probabilities live in a Float32Array) so that near-ties fall the same
 * way; float32 rounding keeps order, so the best text token's rounded log-probability is the
 * rounding of the best logit's. Also returns the softmax normaliser (relative to `max`) of the
 * whole row and of the timestamps alone, so the caller needs no second pass.
 */
function timestampRule(logits: Float32Array, timestampBegin: number): { timestampsWin: boolean; max: number; logSum: number; timestampLogSum: number } | null {
  let bestText = -Infinity;
  for (let i = 0; i < timestampBegin; i++) if (logits[i]! > bestText) bestText = logits[i]!;
  let max = bestText;
  for (let i = timestampBegin; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  if (max === -Infinity) return null;
  let textExps = 0;
  for (let i = 0; i < timestampBegin; i++) {
    const value = logits[i]!;
    if (value !== -Infinity) textExps += Math.exp(value - max);
  }
  let timestampExps = 0;
  for (let i = timestampBegin; i < logits.length; i++) timestampExps += Math.exp(logits[i]! - max);
  const logSum = Math.log(textExps + timestampExps);
  let timestampMass = 0;
  for (let i = timestampBegin; i < logits.length; i++) timestampMass += Math.fround(Math.exp(Math.fround(logits[i]! - max - logSum)));
  return {
    timestampsWin: Math.log(timestampMass) > Math.fround(bestText - max - logSum),
    max,
    logSum,
    timestampLogSum: Math.log(timestampExps),
  };
}

/** Index of the first maximum, as the reference's greedy sampler picks. */
export function argmax(logits: Float32Array): number {
  let best = 0;
  let max = logits[0]!;
  for (let i = 1; i < logits.length; i++) {
    if (logits[i]! > max) {
      max = logits[i]!;
      best = i;
    }
  }
  return best;
}

/** log softmax(logits)[token], in float64; masked (−∞) entries cost no exponential. */
export function logProbability(logits: Float32Array, token: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const value = logits[i]!;
    if (value !== -Infinity) total += Math.exp(value - max);
  }
  return logits[token]! - max - Math.log(total);
}

/** Samples from softmax(logits / temperature) with a given uniform draw in [0, 1). */
export function sampleToken(logits: Float32Array, temperature: number, uniform: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let total = 0;
  const weights = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    const w = logits[i]! === -Infinity ? 0 : Math.exp((logits[i]! - max) / temperature);
    weights[i] = w;
    total += w;
  }
  let target = uniform * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i]!;
    if (target < 0) return i;
  }
  return argmax(logits);
}
