/** Deterministic test audio: tones with noise, as long as asked. */
export function testAudio(seconds: number, seed = 1): Float32Array {
  let state = seed;
  const noise = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5);
  return Float32Array.from({ length: Math.round(seconds * 16000) }, (_, i) => 0.25 * Math.sin(i * 0.031) * Math.sin(i * 0.0009) + 0.05 * noise());
}

