import type { WhisperModelConfig } from './model-config.js';

/**
 * The logits rules of Whisper's greedy search, in the order and form @huggingface/transformers
 * applies them (the reference the engine is held to, token for token):
 * - with timestamps: <|notimestamps|> never; the first token is a timestamp; timestamps come in
 *   pairs except right before the end; a timestamp is forced when all timestamps together are
 *   likelier than the likeliest text token;
 * - begin_suppress_tokens at the first generated position.
 * Mutates `logits` (one row, the vocabulary) in place.
 */
export function applyLogitsRules(
  logits: Float32Array,
  generated: readonly number[],
  config: WhisperModelConfig,
  options: { timestamps: boolean },
): void {
  const { timestampBegin, noTimestamps, endOfText } = config.tokens;
  if (options.timestamps) {
    logits[noTimestamps] = -Infinity;
    if (generated.length === 0) {
      logits.fill(-Infinity, 0, timestampBegin);
    } else {
      const last = generated[generated.length - 1]!;
      const lastWasTimestamp = last >= timestampBegin;
      const penultimateWasTimestamp = generated.length < 2 || generated[generated.length - 2]! >= timestampBegin;
      if (lastWasTimestamp) {
        if (penultimateWasTimestamp) logits.fill(-Infinity, timestampBegin);
        else logits.fill(-Infinity, 0, endOfText);
      }
      if (timestampMassWins(logits, timestampBegin)) logits.fill(-Infinity, 0, timestampBegin);
    }
  }
  if (generated.length === 0) {
    for (const token of config.beginSuppressTokens) logits[token] = -Infinity;
  }
}

/**
 * Whether log Σ p(timestamps) exceeds the best text token's log-probability. Rounded where the
 * reference rounds (its log-probabilities live in a Float32Array), so that near-ties fall the same way.
 */
function timestampMassWins(logits: Float32Array, timestampBegin: number): boolean {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  if (max === -Infinity) return false;
  let sumExps = 0;
  for (let i = 0; i < logits.length; i++) sumExps += Math.exp(logits[i]! - max);
  const logSum = Math.log(sumExps);
  let timestampMass = 0;
  let bestText = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const logprob = Math.fround(logits[i]! - max - logSum);
    if (i >= timestampBegin) timestampMass += Math.fround(Math.exp(logprob));
    else if (logprob > bestText) bestText = logprob;
  }
  return Math.log(timestampMass) > bestText;
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

/** log softmax(logits)[token], in float64. */
export function logProbability(logits: Float32Array, token: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += Math.exp(logits[i]! - max);
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
