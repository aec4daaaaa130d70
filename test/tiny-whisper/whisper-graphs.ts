// The Whisper architecture as two ONNX graphs with the onnx-community export's interface:
// onnx/encoder_model.onnx and onnx/decoder_model_merged.onnx (KV cache in and out, and an If on
// use_cache_branch that takes the cross-attention keys and values from the cache after step one).
import { attr, DataType, Graph, serializeModel, type Tensor } from './onnx.js';
import { Random } from './random.js';

export interface TinyWhisperDims {
  numMelBins: number;
  dModel: number;
  encoderLayers: number;
  decoderLayers: number;
  heads: number;
  ffn: number;
  vocabSize: number;
  maxSourcePositions: number;
  maxTargetPositions: number;
}

const f32 = (dims: number[], data: Float32Array): Tensor => ({ type: DataType.FLOAT, dims, data });

/** Random weights drawn in a fixed order from one seed. */
class WeightSource {
  private readonly random: Random;
  constructor(seed: number) {
    this.random = new Random(seed);
  }
  normal(dims: number[], std: number): Tensor {
    return f32(dims, this.random.normals(dims.reduce((a, b) => a * b, 1), std));
  }
  ones(n: number): Tensor {
    return f32([n], new Float32Array(n).fill(1));
  }
  small(n: number): Tensor {
    return this.normal([n], 0.02);
  }
}

function linear(g: Graph, x: string, w: string, b?: string): string {
  const y = g.node('MatMul', [x, w]);
  return b ? g.node('Add', [y, b]) : y;
}

function layerNorm(g: Graph, x: string, prefix: string, ws: WeightSource, d: number): string {
  const scale = g.weight(`${prefix}.weight`, ws.ones(d));
  const bias = g.weight(`${prefix}.bias`, ws.small(d));
  return g.node('LayerNormalization', [x, scale, bias], { axis: attr.int(-1), epsilon: attr.float(1e-5) });
}

/** Whisper's exact GELU: 0.5·x·(1 + erf(x / √2)). */
function gelu(g: Graph, x: string): string {
  const erf = g.node('Erf', [g.node('Div', [x, g.floats([Math.SQRT2], [])])]);
  return g.node('Mul', [g.node('Mul', [x, g.node('Add', [erf, g.floats([1], [])])]), g.floats([0.5], [])]);
}

function splitHeads(g: Graph, x: string, heads: number, headDim: number): string {
  const r = g.node('Reshape', [x, g.ints([0, -1, heads, headDim])]);
  return g.node('Transpose', [r], { perm: attr.ints([0, 2, 1, 3]) });
}

function mergeHeads(g: Graph, x: string, d: number): string {
  const t = g.node('Transpose', [x], { perm: attr.ints([0, 2, 1, 3]) });
  return g.node('Reshape', [t, g.ints([0, -1, d])]);
}

function attend(g: Graph, q: string, k: string, v: string, headDim: number, mask?: string): string {
  let scores = g.node('MatMul', [q, g.node('Transpose', [k], { perm: attr.ints([0, 1, 3, 2]) })]);
  scores = g.node('Mul', [scores, g.floats([1 / Math.sqrt(headDim)], [])]);
  if (mask) scores = g.node('Add', [scores, mask]);
  return g.node('MatMul', [g.node('Softmax', [scores], { axis: attr.int(-1) }), v]);
}

function mlp(g: Graph, x: string, prefix: string, ws: WeightSource, dims: TinyWhisperDims, gain = 1): string {
  const { dModel: d, ffn } = dims;
  const h = linear(g, x, g.weight(`${prefix}.fc1.weight`, ws.normal([d, ffn], 1 / Math.sqrt(d))), g.weight(`${prefix}.fc1.bias`, ws.small(ffn)));
  return linear(g, gelu(g, h), g.weight(`${prefix}.fc2.weight`, ws.normal([ffn, d], gain / Math.sqrt(ffn))), g.weight(`${prefix}.fc2.bias`, ws.small(d)));
}

/** Whisper's fixed sinusoidal positions for the encoder. */
function sinusoids(length: number, channels: number): Float32Array {
  const out = new Float32Array(length * channels);
  const half = channels / 2;
  const increment = Math.log(10000) / (half - 1);
  for (let t = 0; t < length; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * Math.exp(-increment * i);
      out[t * channels + i] = Math.sin(angle);
      out[t * channels + half + i] = Math.cos(angle);
    }
  }
  return out;
}

export function buildEncoder(dims: TinyWhisperDims, seed: number): Uint8Array {
  const ws = new WeightSource(seed);
  const { dModel: d, numMelBins: mels, heads } = dims;
  const headDim = d / heads;
  const g = new Graph('whisper_encoder');
  const input = g.input('input_features', DataType.FLOAT, ['batch_size', mels, dims.maxSourcePositions * 2]);

  const conv1 = g.node('Conv', [input, g.weight('conv1.weight', ws.normal([d, mels, 3], 1 / Math.sqrt(mels * 3))), g.weight('conv1.bias', ws.small(d))], {
    pads: attr.ints([1, 1]),
    strides: attr.ints([1]),
    kernel_shape: attr.ints([3]),
  });
  const conv2 = g.node('Conv', [gelu(g, conv1), g.weight('conv2.weight', ws.normal([d, d, 3], 1 / Math.sqrt(d * 3))), g.weight('conv2.bias', ws.small(d))], {
    pads: attr.ints([1, 1]),
    strides: attr.ints([2]),
    kernel_shape: attr.ints([3]),
  });
  let x = g.node('Transpose', [gelu(g, conv2)], { perm: attr.ints([0, 2, 1]) });
  x = g.node('Add', [x, g.weight('embed_positions.weight', f32([dims.maxSourcePositions, d], sinusoids(dims.maxSourcePositions, d)))]);

  for (let l = 0; l < dims.encoderLayers; l++) {
    const p = `layers.${l}`;
    const h = layerNorm(g, x, `${p}.self_attn_layer_norm`, ws, d);
    const q = splitHeads(g, linear(g, h, g.weight(`${p}.q.weight`, ws.normal([d, d], 1 / Math.sqrt(d))), g.weight(`${p}.q.bias`, ws.small(d))), heads, headDim);
    const k = splitHeads(g, linear(g, h, g.weight(`${p}.k.weight`, ws.normal([d, d], 1 / Math.sqrt(d)))), heads, headDim);
    const v = splitHeads(g, linear(g, h, g.weight(`${p}.v.weight`, ws.normal([d, d], 1 / Math.sqrt(d))), g.weight(`${p}.v.bias`, ws.small(d))), heads, headDim);
    const attn = linear(g, mergeHeads(g, attend(g, q, k, v, headDim), d), g.weight(`${p}.o.weight`, ws.normal([d, d], 1 / Math.sqrt(d))), g.weight(`${p}.o.bias`, ws.small(d)));
    x = g.node('Add', [x, attn]);
    x = g.node('Add', [x, mlp(g, layerNorm(g, x, `${p}.final_layer_norm`, ws, d), p, ws, dims)]);
  }
  g.node('LayerNormalization', [x, g.weight('layer_norm.weight', ws.ones(d)), g.weight('layer_norm.bias', ws.small(d))], { axis: attr.int(-1), epsilon: attr.float(1e-5) }, 'last_hidden_state');
  g.output('last_hidden_state', DataType.FLOAT, ['batch_size', dims.maxSourcePositions, d]);
  return serializeModel(g);
}

export interface DecoderShaping {
  eosTokenId: number;
  eosScale: number;
  /** The decoder position whose embedding the end-of-text row follows. */
  eosPosition: number;
  /** Multiplies the spread of MLP and cross-attention output weights. */
  mixing: number;
  /** Scales the input token's embedding before it enters the residual stream. */
  tokenInputScale: number;
}

export function buildMergedDecoder(dims: TinyWhisperDims, seed: number, options: DecoderShaping): Uint8Array {
  const ws = new WeightSource(seed);
  const { dModel: d, heads, decoderLayers: layers } = dims;
  const headDim = d / heads;
  const g = new Graph('whisper_decoder_merged');
  const inputIds = g.input('input_ids', DataType.INT64, ['batch_size', 'decoder_sequence_length']);
  const encoderStates = g.input('encoder_hidden_states', DataType.FLOAT, ['batch_size', 'encoder_sequence_length / 2', d]);
  const past = (l: number, side: 'decoder' | 'encoder', kv: 'key' | 'value') => `past_key_values.${l}.${side}.${kv}`;
  for (let l = 0; l < layers; l++) {
    for (const kv of ['key', 'value'] as const) g.input(past(l, 'decoder', kv), DataType.FLOAT, ['batch_size', heads, 'past_decoder_sequence_length', headDim]);
    for (const kv of ['key', 'value'] as const) g.input(past(l, 'encoder', kv), DataType.FLOAT, ['batch_size', heads, 'encoder_sequence_length_out', headDim]);
  }
  const useCache = g.input('use_cache_branch', DataType.BOOL, [1]);

  // Random tied embeddings make a decoder predict its own input token again and again: the input
  // token is damped below and the MLP and cross-attention outputs are widened, so that each step
  // follows its position and the audio. The end-of-text row points along one position's embedding,
  // so that sequences end near that position: greedy decoding then yields varied text, timestamps
  // and an end, which is what the engine's tests need to exercise.
  const embedding = ws.normal([dims.vocabSize, d], 0.5);
  const positions_ = ws.normal([dims.maxTargetPositions, d], 1);
  const eosRow = options.eosTokenId * d;
  for (let i = 0; i < d; i++) {
    (embedding.data as Float32Array)[eosRow + i] = (positions_.data as Float32Array)[options.eosPosition * d + i]! * options.eosScale;
  }
  const tokenEmbedding = g.weight('embed_tokens.weight', embedding);
  const positionEmbedding = g.weight('embed_positions.weight', positions_);

  // Positions continue after what the cache already holds.
  const scalar = (x: string) => g.node('Reshape', [x, g.ints([], [0])]);
  const pastLength = g.node('Shape', [past(0, 'decoder', 'key')], { start: attr.int(2), end: attr.int(3) });
  const total = g.node('Add', [pastLength, g.node('Shape', [inputIds], { start: attr.int(1), end: attr.int(2) })]);
  const one = g.ints([1], []);
  const positions = g.node('Range', [scalar(pastLength), scalar(total), one]);
  // The input token is damped so that each step's state follows its position and the audio more
  // than the token just emitted (random weights otherwise settle into a loop).
  const tokens = g.node('Mul', [g.node('Gather', [tokenEmbedding, inputIds]), g.floats([options.tokenInputScale], [])]);
  let x = g.node('Add', [tokens, g.node('Gather', [positionEmbedding, positions])]);

  // Causal mask over [new tokens × (cached + new) tokens].
  const columns = g.node('Range', [g.ints([0], []), scalar(total), one]);
  const future = g.node('Greater', [g.node('Unsqueeze', [columns, g.ints([0])]), g.node('Unsqueeze', [positions, g.ints([1])])]);
  const mask = g.node('Where', [future, g.floats([-1e9], []), g.floats([0], [])]);

  // Cross-attention keys and values: from the encoder at step one, from the cache afterwards.
  const withPast = new Graph('with_past', 'then_');
  const withoutPast = new Graph('without_past', 'else_');
  const crossWeights: { k: string; v: string; vb: string }[] = [];
  for (let l = 0; l < layers; l++) {
    crossWeights.push({
      k: g.weight(`layers.${l}.encoder_attn.k.weight`, ws.normal([d, d], 1 / Math.sqrt(d))),
      v: g.weight(`layers.${l}.encoder_attn.v.weight`, ws.normal([d, d], 1 / Math.sqrt(d))),
      vb: g.weight(`layers.${l}.encoder_attn.v.bias`, ws.small(d)),
    });
  }
  const presentEncoder: string[] = [];
  for (let l = 0; l < layers; l++) {
    for (const kv of ['key', 'value'] as const) {
      const name = `present.${l}.encoder.${kv}`;
      presentEncoder.push(name);
      withPast.output(withPast.node('Identity', [past(l, 'encoder', kv)]), DataType.FLOAT, null);
    }
    const { k, v, vb } = crossWeights[l]!;
    withoutPast.output(splitHeads(withoutPast, linear(withoutPast, encoderStates, k), heads, headDim), DataType.FLOAT, null);
    withoutPast.output(splitHeads(withoutPast, linear(withoutPast, encoderStates, v, vb), heads, headDim), DataType.FLOAT, null);
  }
  g.nodeN('If', [useCache], presentEncoder, { then_branch: attr.graph(withPast), else_branch: attr.graph(withoutPast) });

  for (let l = 0; l < layers; l++) {
    const p = `layers.${l}`;
    const h = layerNorm(g, x, `${p}.self_attn_layer_norm`, ws, d);
    const q = splitHeads(g, linear(g, h, g.weight(`${p}.q.weight`, ws.normal([d, d], 1 / Math.sqrt(d))), g.weight(`${p}.q.bias`, ws.small(d))), heads, headDim);
    const kNew = splitHeads(g, linear(g, h, g.weight(`${p}.k.weight`, ws.normal([d, d], 1 / Math.sqrt(d)))), heads, headDim);
    const vNew = splitHeads(g, linear(g, h, g.weight(`${p}.v.weight`, ws.normal([d, d], 1 / Math.sqrt(d))), g.weight(`${p}.v.bias`, ws.small(d))), heads, headDim);
    const k = g.node('Concat', [past(l, 'decoder', 'key'), kNew], { axis: attr.int(2) }, `present.${l}.decoder.key`);
    const v = g.node('Concat', [past(l, 'decoder', 'value'), vNew], { axis: attr.int(2) }, `present.${l}.decoder.value`);
    const selfAttn = linear(g, mergeHeads(g, attend(g, q, k, v, headDim, mask), d), g.weight(`${p}.o.weight`, ws.normal([d, d], 1 / Math.sqrt(d))), g.weight(`${p}.o.bias`, ws.small(d)));
    x = g.node('Add', [x, selfAttn]);

    const hc = layerNorm(g, x, `${p}.encoder_attn_layer_norm`, ws, d);
    const qc = splitHeads(g, linear(g, hc, g.weight(`${p}.encoder_attn.q.weight`, ws.normal([d, d], 1 / Math.sqrt(d))), g.weight(`${p}.encoder_attn.q.bias`, ws.small(d))), heads, headDim);
    const cross = attend(g, qc, `present.${l}.encoder.key`, `present.${l}.encoder.value`, headDim);
    x = g.node('Add', [x, linear(g, mergeHeads(g, cross, d), g.weight(`${p}.encoder_attn.o.weight`, ws.normal([d, d], options.mixing / Math.sqrt(d))), g.weight(`${p}.encoder_attn.o.bias`, ws.small(d)))]);
    x = g.node('Add', [x, mlp(g, layerNorm(g, x, `${p}.final_layer_norm`, ws, d), p, ws, dims, options.mixing)]);
  }
  const final = layerNorm(g, x, 'layer_norm', ws, d);
  // Output projection tied to the token embedding, as in Whisper.
  g.node('MatMul', [final, g.node('Transpose', [tokenEmbedding], { perm: attr.ints([1, 0]) })], {}, 'logits');

  g.output('logits', DataType.FLOAT, ['batch_size', 'decoder_sequence_length', dims.vocabSize]);
  for (let l = 0; l < layers; l++) {
    for (const kv of ['key', 'value'] as const) g.output(`present.${l}.decoder.${kv}`, DataType.FLOAT, ['batch_size', heads, 'past_decoder_sequence_length + 1', headDim]);
    for (const kv of ['key', 'value'] as const) g.output(`present.${l}.encoder.${kv}`, DataType.FLOAT, ['batch_size', heads, 'encoder_sequence_length_out', headDim]);
  }
  return serializeModel(g);
}
