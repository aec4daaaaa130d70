import { RealPowerSpectrum } from './fft.js';

/** The fields of preprocessor_config.json the feature extractor uses. */
export interface FeatureConfig {
  featureSize: number;
  nFft: number;
  hopLength: number;
  samplingRate: number;
  /** Samples in one window: 30 s at 16 kHz. */
  nSamples: number;
  /** Frames in one window: 3000. */
  nbMaxFrames: number;
}

const MEL_FLOOR = 1e-10;

function hertzToMel(hz: number): number {
  // Slaney's scale: linear below 1 kHz, logarithmic above.
  const minLogHz = 1000;
  const minLogMel = 15;
  const logStep = Math.log(6.4) / 27;
  return hz >= minLogHz ? minLogMel + Math.log(hz / minLogHz) / logStep : (3 * hz) / 200;
}

function melToHertz(mel: number): number {
  const minLogHz = 1000;
  const minLogMel = 15;
  const logStep = Math.log(6.4) / 27;
  return mel >= minLogMel ? minLogHz * Math.exp(logStep * (mel - minLogMel)) : (200 * mel) / 3;
}

interface SparseFilter {
  first: number;
  weights: Float64Array;
}

/** Triangular mel filters between 0 and 8 kHz on the Slaney scale with Slaney area normalisation. */
export function melFilters(numBins: number, numMels: number, samplingRate: number): SparseFilter[] {
  const melMin = hertzToMel(0);
  const melMax = hertzToMel(8000);
  const edges = Array.from({ length: numMels + 2 }, (_, i) => melToHertz(melMin + ((melMax - melMin) * i) / (numMels + 1)));
  const binHz = Array.from({ length: numBins }, (_, j) => (Math.floor(samplingRate / 2) * j) / (numBins - 1));
  const filters: SparseFilter[] = [];
  for (let m = 0; m < numMels; m++) {
    const lower = edges[m]!;
    const centre = edges[m + 1]!;
    const upper = edges[m + 2]!;
    const norm = 2 / (upper - lower);
    const dense = binHz.map((f) => Math.max(0, Math.min((f - lower) / (centre - lower), (upper - f) / (upper - centre))) * norm);
    let first = dense.findIndex((w) => w > 0);
    let last = dense.length - 1 - [...dense].reverse().findIndex((w) => w > 0);
    if (first === -1) {
      first = 0;
      last = -1;
    }
    filters.push({ first, weights: Float64Array.from(dense.slice(first, last + 1)) });
  }
  return filters;
}

/**
 * Whisper's log-mel spectrogram, computed as its feature extractor does: the window padded with
 * zeros to 30 s, reflect-padded by n_fft/2, a periodic Hann window, the power spectrum, mel
 * filters, log10 with a floor, clamped to 8 below the maximum, then (x + 4) / 4. Frames that lie
 * wholly in the zero padding are known without computing them.
 */
export class LogMelExtractor {
  private readonly window: Float64Array;
  private readonly spectrum: RealPowerSpectrum;
  private readonly filters: SparseFilter[];
  private readonly numBins: number;
  private readonly frame: Float64Array;
  private readonly power: Float64Array;

  constructor(readonly config: FeatureConfig) {
    const { nFft } = config;
    this.window = Float64Array.from({ length: nFft }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / nFft));
    this.spectrum = new RealPowerSpectrum(nFft);
    this.numBins = nFft / 2 + 1;
    this.filters = melFilters(this.numBins, config.featureSize, config.samplingRate);
    this.frame = new Float64Array(nFft);
    this.power = new Float64Array(this.numBins);
  }

  /** Features of one window ([featureSize × nbMaxFrames], mel-major), written into `out` at `offset`. */
  compute(audio: Float32Array, out: Float32Array = new Float32Array(this.config.featureSize * this.config.nbMaxFrames), offset = 0): Float32Array {
    const { nFft, hopLength, nSamples, nbMaxFrames, featureSize } = this.config;
    const length = Math.min(audio.length, nSamples);
    const pad = nFft / 2;
    // The padded signal: pad reflected samples, the audio, zeros up to 30 s, pad reflected zeros.
    const sample = (i: number): number => {
      let j = i - pad;
      if (j < 0) j = -j;
      else if (j >= nSamples) j = 2 * (nSamples - 1) - j;
      return j < length ? audio[j]! : 0;
    };
    const log = new Float64Array(featureSize * nbMaxFrames);
    const floorLog = Math.log10(MEL_FLOOR);
    log.fill(floorLog);
    const activeFrames = Math.min(nbMaxFrames, Math.ceil((length + pad) / hopLength));
    let max = activeFrames < nbMaxFrames ? floorLog : -Infinity;
    const interiorEnd = pad + length; // padded positions [pad, pad + length) are the audio itself
    for (let t = 0; t < activeFrames; t++) {
      const start = t * hopLength;
      if (start >= pad && start + nFft <= interiorEnd) {
        const base = start - pad;
        for (let n = 0; n < nFft; n++) this.frame[n] = audio[base + n]! * this.window[n]!;
      } else {
        for (let n = 0; n < nFft; n++) this.frame[n] = sample(start + n) * this.window[n]!;
      }
      this.spectrum.compute(this.frame, this.power);
      for (let m = 0; m < featureSize; m++) {
        const { first, weights } = this.filters[m]!;
        let energy = 0;
        for (let k = 0; k < weights.length; k++) energy += weights[k]! * this.power[first + k]!;
        // Rounded through float32 as the reference's matmul output is.
        const value = Math.log10(Math.max(MEL_FLOOR, Math.fround(energy)));
        log[m * nbMaxFrames + t] = value;
        if (value > max) max = value;
      }
    }
    const threshold = max - 8;
    for (let i = 0; i < log.length; i++) out[offset + i] = (Math.max(log[i]!, threshold) + 4) / 4;
    return out;
  }
}
