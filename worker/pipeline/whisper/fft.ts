/**
 * A mixed-radix complex FFT (recursive decimation in time, radices 2–5 and a generic one) and the
 * real-input transform built on it. Whisper's n_fft is 400, not a power of two, so a radix-2 FFT
 * will not do; the plan and twiddles are made once per size and reused for every frame.
 */
export class ComplexFft {
  private readonly factors: number[] = [];
  private readonly twRe: Float64Array;
  private readonly twIm: Float64Array;
  private readonly scratchRe: Float64Array;
  private readonly scratchIm: Float64Array;

  constructor(readonly size: number) {
    let n = size;
    for (const radix of [4, 2, 3, 5]) {
      while (n % radix === 0) {
        this.factors.push(radix);
        n /= radix;
      }
    }
    for (let p = 7; n > 1; p += 2) {
      while (n % p === 0) {
        this.factors.push(p);
        n /= p;
      }
    }
    this.twRe = new Float64Array(size);
    this.twIm = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      this.twRe[i] = Math.cos((-2 * Math.PI * i) / size);
      this.twIm[i] = Math.sin((-2 * Math.PI * i) / size);
    }
    const largest = Math.max(...this.factors, 1);
    this.scratchRe = new Float64Array(largest);
    this.scratchIm = new Float64Array(largest);
  }

  /** Forward transform of (inRe, inIm) into (outRe, outIm); the inputs are left as they were. */
  transform(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    this.work(outRe, outIm, 0, inRe, inIm, 0, 1, 0, this.size);
  }

  private work(
    outRe: Float64Array,
    outIm: Float64Array,
    outOffset: number,
    inRe: Float64Array,
    inIm: Float64Array,
    inOffset: number,
    stride: number,
    level: number,
    n: number,
  ): void {
    const radix = this.factors[level]!;
    const m = n / radix;
    if (m === 1) {
      for (let q = 0; q < radix; q++) {
        outRe[outOffset + q] = inRe[inOffset + q * stride]!;
        outIm[outOffset + q] = inIm[inOffset + q * stride]!;
      }
    } else {
      for (let q = 0; q < radix; q++) {
        this.work(outRe, outIm, outOffset + q * m, inRe, inIm, inOffset + q * stride, stride * radix, level + 1, m);
      }
    }
    this.butterfly(outRe, outIm, outOffset, stride, m, radix);
  }

  /** Combines `radix` sub-transforms of length m, laid out one after another, in place. */
  private butterfly(re: Float64Array, im: Float64Array, offset: number, stride: number, m: number, radix: number): void {
    const { twRe, twIm, size } = this;
    const sRe = this.scratchRe;
    const sIm = this.scratchIm;
    for (let k = 0; k < m; k++) {
      // Twiddled inputs: the k-th element of each sub-transform times ω_N^(j·k·stride).
      for (let j = 0; j < radix; j++) {
        const idx = offset + j * m + k;
        const t = (j * k * stride) % size;
        const xr = re[idx]!;
        const xi = im[idx]!;
        sRe[j] = xr * twRe[t]! - xi * twIm[t]!;
        sIm[j] = xr * twIm[t]! + xi * twRe[t]!;
      }
      // A DFT of size `radix` over them; ω_radix = ω_N^(N/radix).
      const step = size / radix;
      for (let q = 0; q < radix; q++) {
        let accRe = 0;
        let accIm = 0;
        for (let j = 0; j < radix; j++) {
          const t = (j * q * step) % size;
          accRe += sRe[j]! * twRe[t]! - sIm[j]! * twIm[t]!;
          accIm += sRe[j]! * twIm[t]! + sIm[j]! * twRe[t]!;
        }
        re[offset + q * m + k] = accRe;
        im[offset + q * m + k] = accIm;
      }
    }
  }
}

/**
 * Power spectrum |X[k]|², k = 0…N/2, of a real frame of even length N, from one complex FFT of
 * length N/2 (even samples as real parts, odd samples as imaginary parts).
 */
export class RealPowerSpectrum {
  private readonly half: number;
  private readonly fft: ComplexFft;
  private readonly zRe: Float64Array;
  private readonly zIm: Float64Array;
  private readonly fRe: Float64Array;
  private readonly fIm: Float64Array;
  private readonly wRe: Float64Array;
  private readonly wIm: Float64Array;

  constructor(readonly size: number) {
    if (size % 2 !== 0) throw new Error('RealPowerSpectrum needs an even size');
    this.half = size / 2;
    this.fft = new ComplexFft(this.half);
    this.zRe = new Float64Array(this.half);
    this.zIm = new Float64Array(this.half);
    this.fRe = new Float64Array(this.half);
    this.fIm = new Float64Array(this.half);
    this.wRe = new Float64Array(this.half + 1);
    this.wIm = new Float64Array(this.half + 1);
    for (let k = 0; k <= this.half; k++) {
      this.wRe[k] = Math.cos((-2 * Math.PI * k) / size);
      this.wIm[k] = Math.sin((-2 * Math.PI * k) / size);
    }
  }

  /** Writes size/2 + 1 power values of `frame` into `out`. */
  compute(frame: Float64Array, out: Float64Array): void {
    const { half, zRe, zIm, fRe, fIm, wRe, wIm } = this;
    for (let n = 0; n < half; n++) {
      zRe[n] = frame[2 * n]!;
      zIm[n] = frame[2 * n + 1]!;
    }
    this.fft.transform(zRe, zIm, fRe, fIm);
    for (let k = 0; k <= half; k++) {
      const a = k % half;
      const b = (half - k) % half;
      // Even part E = (Z[k] + conj Z[N/2-k]) / 2, odd part O = (Z[k] - conj Z[N/2-k]) / 2i.
      const eRe = (fRe[a]! + fRe[b]!) / 2;
      const eIm = (fIm[a]! - fIm[b]!) / 2;
      const oRe = (fIm[a]! + fIm[b]!) / 2;
      const oIm = -(fRe[a]! - fRe[b]!) / 2;
      const xRe = eRe + wRe[k]! * oRe - wIm[k]! * oIm;
      const xIm = eIm + wRe[k]! * oIm + wIm[k]! * oRe;
      out[k] = xRe * xRe + xIm * xIm;
    }
  }
}
