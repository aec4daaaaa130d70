/**
 * A small source-filter voice: a glottal pulse train with drifting pitch through three formant
 * resonators, vowel after vowel with a syllable-rate envelope. Voice-activity models take it for
 * speech. The tests use it where Debian's espeak-ng is not installed.
 */
const VOWELS: [number, number, number][] = [
  [730, 1090, 2440],
  [270, 2290, 3010],
  [300, 870, 2240],
  [530, 1840, 2480],
  [570, 840, 2410],
  [440, 1020, 2240],
  [660, 1720, 2410],
];

function resonate(input: Float64Array, frequency: number, bandwidth: number, rate: number): Float64Array {
  const r = Math.exp((-Math.PI * bandwidth) / rate);
  const c = -r * r;
  const b = 2 * r * Math.cos((2 * Math.PI * frequency) / rate);
  const a = 1 - b - c;
  const out = new Float64Array(input.length);
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < input.length; i++) {
    const y = a * input[i]! + b * y1 + c * y2;
    out[i] = y;
    y2 = y1;
    y1 = y;
  }
  return out;
}

export function synthesizeSpeech(seconds: number, seed = 1, rate = 16000): Float32Array {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const n = Math.round(seconds * rate);
  const out = new Float32Array(n);
  const pitch = 110 + random() * 60;
  let phase = 0;
  for (let start = 0; start < n; ) {
    const length = Math.min(n - start, Math.round(rate * (0.16 + random() * 0.1)));
    const [f1, f2, f3] = VOWELS[Math.floor(random() * VOWELS.length)]!;
    const source = new Float64Array(length);
    for (let i = 0; i < length; i++) {
      const f0 = pitch * (1 + 0.08 * Math.sin((2 * Math.PI * 3 * (start + i)) / rate));
      phase += f0 / rate;
      if (phase >= 1) {
        phase -= 1;
        source[i] = 1;
      }
      source[i]! += (random() - 0.5) * 0.02;
    }
    const a = resonate(source, f1, 80, rate);
    const b = resonate(source, f2, 100, rate);
    const c = resonate(source, f3, 120, rate);
    for (let i = 0; i < length; i++) {
      const envelope = 0.35 + 0.65 * Math.sin((Math.PI * i) / length);
      out[start + i] = envelope * (a[i]! + 0.6 * b[i]! + 0.3 * c[i]!);
    }
    start += length;
  }
  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  for (let i = 0; i < n; i++) out[i] = (out[i]! / peak) * 0.5;
  return out;
}
