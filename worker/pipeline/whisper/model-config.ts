import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureConfig } from './features.js';

/** Everything the engine needs to know about a model, read from its config files alone. */
export interface WhisperModelConfig {
  dir: string;
  numMelBins: number;
  vocabSize: number;
  decoderLayers: number;
  decoderHeads: number;
  dModel: number;
  maxTargetPositions: number;
  features: FeatureConfig;
  tokens: {
    endOfText: number;
    startOfTranscript: number;
    transcribe: number | null;
    translate: number | null;
    noTimestamps: number;
    /** <|nospeech|> / <|nocaptions|>: its probability at the start says "silence". */
    noSpeech: number | null;
    /** The first timestamp token, <|0.00|>. */
    timestampBegin: number;
    /** Language code → token id; empty for English-only models. */
    languages: Map<string, number>;
  };
  isMultilingual: boolean;
  beginSuppressTokens: number[];
  /** Total decoder length, prompt included (448). */
  maxLength: number;
  /** Seconds per timestamp step: 0.02. */
  timePrecision: number;
}

export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
}

function readJson(dir: string, name: string, required = true): Record<string, unknown> {
  const path = join(dir, name);
  if (!existsSync(path)) {
    if (!required) return {};
    throw new ModelConfigError(`The model folder ${dir} has no ${name}: it is not a Whisper model in the onnx-community layout.`);
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ModelConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function num(source: Record<string, unknown>, key: string, file: string): number {
  const value = source[key];
  if (typeof value !== 'number') throw new ModelConfigError(`${file} lacks the number '${key}'.`);
  return value;
}

function firstId(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (Array.isArray(value) && typeof value[0] === 'number') return value[0];
  return undefined;
}

/** Finds a special token's id in tokenizer.json's added tokens (both spellings of "no speech" exist). */
function addedTokenIds(tokenizer: Record<string, unknown>): Map<string, number> {
  const ids = new Map<string, number>();
  for (const token of (tokenizer.added_tokens as { id: number; content: string }[] | undefined) ?? []) ids.set(token.content, token.id);
  return ids;
}

export function loadModelConfig(dir: string): WhisperModelConfig {
  const config = readJson(dir, 'config.json');
  const generation = readJson(dir, 'generation_config.json');
  const preprocessor = readJson(dir, 'preprocessor_config.json');
  const tokenizer = readJson(dir, 'tokenizer.json');
  if (config.model_type !== 'whisper') throw new ModelConfigError(`${join(dir, 'config.json')} describes a '${String(config.model_type)}' model, not Whisper.`);
  const added = addedTokenIds(tokenizer);

  const noTimestamps = firstId(generation.no_timestamps_token_id) ?? added.get('<|notimestamps|>');
  const endOfText = firstId(generation.eos_token_id) ?? firstId(config.eos_token_id) ?? added.get('<|endoftext|>');
  const startOfTranscript = firstId(generation.decoder_start_token_id) ?? firstId(config.decoder_start_token_id) ?? added.get('<|startoftranscript|>');
  if (noTimestamps === undefined || endOfText === undefined || startOfTranscript === undefined) {
    throw new ModelConfigError(`${dir}: cannot find the <|notimestamps|>, <|endoftext|> or <|startoftranscript|> token ids.`);
  }
  const langToId = (generation.lang_to_id as Record<string, number> | undefined) ?? {};
  const languages = new Map<string, number>();
  for (const [token, id] of Object.entries(langToId)) languages.set(token.replace(/^<\|/, '').replace(/\|>$/, ''), id);
  const taskToId = (generation.task_to_id as Record<string, number> | undefined) ?? {};

  const featureSize = num(preprocessor, 'feature_size', 'preprocessor_config.json');
  const numMelBins = num(config, 'num_mel_bins', 'config.json');
  if (featureSize !== numMelBins) throw new ModelConfigError(`${dir}: preprocessor feature_size ${featureSize} ≠ num_mel_bins ${numMelBins}.`);
  const dModel = num(config, 'd_model', 'config.json');
  const decoderHeads = num(config, 'decoder_attention_heads', 'config.json');
  return {
    dir,
    numMelBins,
    vocabSize: num(config, 'vocab_size', 'config.json'),
    decoderLayers: num(config, 'decoder_layers', 'config.json'),
    decoderHeads,
    dModel,
    maxTargetPositions: num(config, 'max_target_positions', 'config.json'),
    features: {
      featureSize,
      nFft: num(preprocessor, 'n_fft', 'preprocessor_config.json'),
      hopLength: num(preprocessor, 'hop_length', 'preprocessor_config.json'),
      samplingRate: num(preprocessor, 'sampling_rate', 'preprocessor_config.json'),
      nSamples: num(preprocessor, 'n_samples', 'preprocessor_config.json'),
      nbMaxFrames: num(preprocessor, 'nb_max_frames', 'preprocessor_config.json'),
    },
    tokens: {
      endOfText,
      startOfTranscript,
      transcribe: taskToId.transcribe ?? added.get('<|transcribe|>') ?? null,
      translate: taskToId.translate ?? added.get('<|translate|>') ?? null,
      noTimestamps,
      noSpeech: added.get('<|nospeech|>') ?? added.get('<|nocaptions|>') ?? null,
      timestampBegin: noTimestamps + 1,
      languages,
    },
    isMultilingual: (generation.is_multilingual as boolean | undefined) ?? languages.size > 0,
    beginSuppressTokens: (generation.begin_suppress_tokens as number[] | undefined) ?? (config.begin_suppress_tokens as number[] | undefined) ?? [],
    maxLength: (generation.max_length as number | undefined) ?? num(config, 'max_target_positions', 'config.json'),
    timePrecision: 0.02,
  };
}
