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
    if (radix === 2) return this.butterfly2(re, im, offset, stride, m);
    if (radix === 4) return this.butterfly4(re, im, offset, stride, m);
    if (radix === 5) return this.butterfly5(re, im, offset, stride, m);
    this.butterflyGeneric(re, im, offset, stride, m, radix);
  }

  private butterfly2(re: Float64Array, im: Float64Array, offset: number, stride: number, m: number): void {
    const { twRe, twIm } = this;
    for (let k = 0; k < m; k++) {
      const i0 = offset + k;
      const i1 = i0 + m;
      const t = k * stride;
      const br = re[i1]! * twRe[t]! - im[i1]! * twIm[t]!;
      const bi = re[i1]! * twIm[t]! + im[i1]! * twRe[t]!;
      const ar = re[i0]!;
      const ai = im[i0]!;
      re[i0] = ar + br;
      im[i0] = ai + bi;
      re[i1] = ar - br;
      im[i1] = ai - bi;
    }
  }

  private butterfly4(re: Float64Array, im: Float64Array, offset: number, stride: number, m: number): void {
    const { twRe, twIm } = this;
    for (let k = 0; k < m; k++) {
      const i0 = offset + k;
      const i1 = i0 + m;
      const i2 = i1 + m;
      const i3 = i2 + m;
      const t1 = k * stride;
      const t2 = 2 * t1;
      const t3 = 3 * t1;
      const x1r = re[i1]! * twRe[t1]! - im[i1]! * twIm[t1]!;
      const x1i = re[i1]! * twIm[t1]! + im[i1]! * twRe[t1]!;
      const x2r = re[i2]! * twRe[t2]! - im[i2]! * twIm[t2]!;
      const x2i = re[i2]! * twIm[t2]! + im[i2]! * twRe[t2]!;
      const x3r = re[i3]! * twRe[t3]! - im[i3]! * twIm[t3]!;
      const x3i = re[i3]! * twIm[t3]! + im[i3]! * twRe[t3]!;
      const s0r = re[i0]! + x2r;
      const s0i = im[i0]! + x2i;
      const s1r = re[i0]! - x2r;
      const s1i = im[i0]! - x2i;
      const s2r = x1r + x3r;
      const s2i = x1i + x3i;
      const s3r = x1r - x3r;
      const s3i = x1i - x3i;
      re[i0] = s0r + s2r;
      im[i0] = s0i + s2i;
      re[i2] = s0r - s2r;
      im[i2] = s0i - s2i;
      // ± i·s3 for the forward transform's e^(−2πi/4) = −i.
      re[i1] = s1r + s3i;
      im[i1] = s1i - s3r;
      re[i3] = s1r - s3i;
      im[i3] = s1i + s3r;
    }
  }

  private butterfly5(re: Float64Array, im: Float64Array, offset: number, stride: number, m: number): void {
    const { twRe, twIm } = this;
    const c1 = Math.cos((2 * Math.PI) / 5);
    const c2 = Math.cos((4 * Math.PI) / 5);
    const s1 = Math.sin((2 * Math.PI) / 5);
    const s2 = Math.sin((4 * Math.PI) / 5);
    for (let k = 0; k < m; k++) {
      const i0 = offset + k;
      const i1 = i0 + m;
      const i2 = i1 + m;
      const i3 = i2 + m;
      const i4 = i3 + m;
      const t1 = k * stride;
      const a1r = re[i1]! * twRe[t1]! - im[i1]! * twIm[t1]!;
      const a1i = re[i1]! * twIm[t1]! + im[i1]! * twRe[t1]!;
      const a2r = re[i2]! * twRe[2 * t1]! - im[i2]! * twIm[2 * t1]!;
      const a2i = re[i2]! * twIm[2 * t1]! + im[i2]! * twRe[2 * t1]!;
      const a3r = re[i3]! * twRe[3 * t1]! - im[i3]! * twIm[3 * t1]!;
      const a3i = re[i3]! * twIm[3 * t1]! + im[i3]! * twRe[3 * t1]!;
      const a4r = re[i4]! * twRe[4 * t1]! - im[i4]! * twIm[4 * t1]!;
      const a4i = re[i4]! * twIm[4 * t1]! + im[i4]! * twRe[4 * t1]!;
      const a0r = re[i0]!;
      const a0i = im[i0]!;
      const b1r = a1r + a4r;
      const b1i = a1i + a4i;
      const b4r = a1r - a4r;
      const b4i = a1i - a4i;
      const b2r = a2r + a3r;
      const b2i = a2i + a3i;
      const b3r = a2r - a3r;
      const b3i = a2i - a3i;
      const m1r = a0r + c1 * b1r + c2 * b2r;
      const m1i = a0i + c1 * b1i + c2 * b2i;
      const m2r = a0r + c2 * b1r + c1 * b2r;
      const m2i = a0i + c2 * b1i + c1 * b2i;
      const n1r = s1 * b4r + s2 * b3r;
      const n1i = s1 * b4i + s2 * b3i;
      const n2r = s2 * b4r - s1 * b3r;
      const n2i = s2 * b4i - s1 * b3i;
      re[i0] = a0r + b1r + b2r;
      im[i0] = a0i + b1i + b2i;
      // y1 = m1 − i·n1, y4 = m1 + i·n1, y2 = m2 − i·n2, y3 = m2 + i·n2.
      re[i1] = m1r + n1i;
      im[i1] = m1i - n1r;
      re[i4] = m1r - n1i;
      im[i4] = m1i + n1r;
      re[i2] = m2r + n2i;
      im[i2] = m2i - n2r;
      re[i3] = m2r - n2i;
      im[i3] = m2i + n2r;
    }
  }

  private butterflyGeneric(re: Float64Array, im: Float64Array, offset: number, stride: number, m: number, radix: number): void {
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
