// npm run test-model -- [DIR] [--seed N] [--v3]
// Writes a tiny random-weight Whisper in the onnx-community layout (config.json,
// generation_config.json, preprocessor_config.json, tokenizer.json, tokenizer_config.json,
// onnx/encoder_model.onnx, onnx/decoder_model_merged.onnx): real vocabulary size and special-token
// ids, tiny width and depth, deterministic from the seed. For tests and benchmarks only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { specialTokens, tokenizerJson } from './vocabulary.js';
import { buildEncoder, buildMergedDecoder, type TinyWhisperDims } from './whisper-graphs.js';

export interface TinyWhisperOptions {
  seed?: number;
  /** large-v3's layout: 128 mel bins and 51866 tokens; otherwise tiny's: 80 and 51865. */
  v3?: boolean;
  eosScale?: number;
  eosPosition?: number;
  mixing?: number;
  tokenInputScale?: number;
}

export const DEFAULT_TEST_MODEL_DIR = fileURLToPath(new URL('../fixtures/tiny-whisper', import.meta.url));

export function writeTinyWhisper(dir: string, options: TinyWhisperOptions = {}): void {
  const seed = options.seed ?? 42;
  const vocabSize = options.v3 ? 51866 : 51865;
  const dims: TinyWhisperDims = {
    numMelBins: options.v3 ? 128 : 80,
    dModel: 32,
    encoderLayers: 2,
    decoderLayers: 2,
    heads: 2,
    ffn: 128,
    vocabSize,
    maxSourcePositions: 1500,
    maxTargetPositions: 448,
  };
  const special = specialTokens(vocabSize);
  const suppressTokens = [1, 2, 7, 8, 9, 10, 14, 25, 26, 27, 28, 29, 31, 58, 59, 60, 61, 62, 63, 90, 91, 92, 93, 359, 503, 522, 542, 873, 893, 902, 918, 922, 931, 1350, 1853, 1982, 2460, 2627, 3246, 3253, 3268, 3536, 3846, 3961, 4183, 4667, 6585, 6647, 7273, 9061, 9383, 10428, 10929, 11938, 12033, 12331, 12562, 13793, 14157, 14635, 15265, 15618, 16553, 16604, 18362, 18956, 20075, 21675, 22520, 26130, 26161, 26435, 28279, 29464, 31650, 32302, 32470, 36865, 42863, 47425, 49870, 50254, special.startOfTranscript, special.translate, special.transcribe, special.startOfLm, special.startOfPrev, special.noSpeech];
  const common = {
    begin_suppress_tokens: [220, special.endOfText],
    bos_token_id: special.endOfText,
    decoder_start_token_id: special.startOfTranscript,
    eos_token_id: special.endOfText,
    pad_token_id: special.endOfText,
    suppress_tokens: suppressTokens,
  };
  const config = {
    _name_or_path: 'captionhub/tiny-whisper-random',
    activation_function: 'gelu',
    architectures: ['WhisperForConditionalGeneration'],
    d_model: dims.dModel,
    decoder_attention_heads: dims.heads,
    decoder_ffn_dim: dims.ffn,
    decoder_layers: dims.decoderLayers,
    encoder_attention_heads: dims.heads,
    encoder_ffn_dim: dims.ffn,
    encoder_layers: dims.encoderLayers,
    is_encoder_decoder: true,
    max_length: 448,
    max_source_positions: dims.maxSourcePositions,
    max_target_positions: dims.maxTargetPositions,
    model_type: 'whisper',
    num_hidden_layers: dims.encoderLayers,
    num_mel_bins: dims.numMelBins,
    scale_embedding: false,
    torch_dtype: 'float32',
    use_cache: true,
    vocab_size: vocabSize,
    ...common,
  };
  const generationConfig = {
    alignment_heads: [
      [1, 0],
      [1, 1],
    ],
    is_multilingual: true,
    lang_to_id: special.languages,
    task_to_id: { translate: special.translate, transcribe: special.transcribe },
    max_initial_timestamp_index: 50,
    max_length: 448,
    no_timestamps_token_id: special.noTimestamps,
    prev_sot_token_id: special.startOfPrev,
    return_timestamps: false,
    ...common,
  };
  const preprocessorConfig = {
    chunk_length: 30,
    feature_extractor_type: 'WhisperFeatureExtractor',
    feature_size: dims.numMelBins,
    hop_length: 160,
    n_fft: 400,
    n_samples: 480000,
    nb_max_frames: 3000,
    padding_side: 'right',
    padding_value: 0.0,
    processor_class: 'WhisperProcessor',
    return_attention_mask: false,
    sampling_rate: 16000,
  };
  const tokenizerConfig = {
    tokenizer_class: 'WhisperTokenizer',
    model_max_length: 1024,
    bos_token: '<|endoftext|>',
    eos_token: '<|endoftext|>',
    pad_token: '<|endoftext|>',
    unk_token: '<|endoftext|>',
    add_prefix_space: false,
    clean_up_tokenization_spaces: true,
    errors: 'replace',
  };

  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const json = (name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value, null, 2) + '\n');
  json('config.json', config);
  json('generation_config.json', generationConfig);
  json('preprocessor_config.json', preprocessorConfig);
  json('tokenizer_config.json', tokenizerConfig);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocabSize, seed)));
  writeFileSync(join(dir, 'onnx', 'encoder_model.onnx'), buildEncoder(dims, seed * 2 + 1));
  writeFileSync(
    join(dir, 'onnx', 'decoder_model_merged.onnx'),
    buildMergedDecoder(dims, seed * 2 + 2, {
      eosTokenId: special.endOfText,
      eosScale: options.eosScale ?? 1,
      eosPosition: options.eosPosition ?? 24,
      mixing: options.mixing ?? 1.5,
      tokenInputScale: options.tokenInputScale ?? 0.1,
    }),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { seed: { type: 'string' }, v3: { type: 'boolean' }, 'eos-scale': { type: 'string' }, 'eos-position': { type: 'string' }, mixing: { type: 'string' }, 'token-scale': { type: 'string' } },
  });
  const dir = resolve(positionals[0] ?? DEFAULT_TEST_MODEL_DIR);
  writeTinyWhisper(dir, {
    seed: values.seed ? Number(values.seed) : 42,
    v3: values.v3 ?? false,
    ...(values['eos-scale'] && { eosScale: Number(values['eos-scale']) }),
    ...(values['eos-position'] && { eosPosition: Number(values['eos-position']) }),
    ...(values.mixing && { mixing: Number(values.mixing) }),
    ...(values['token-scale'] && { tokenInputScale: Number(values['token-scale']) }),
  });
  process.stdout.write(`tiny random Whisper written to ${dir}\n`);
}
