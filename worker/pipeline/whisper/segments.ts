import { deflateSync } from 'node:zlib';
import type { WhisperModelConfig } from './model-config.js';

export interface TokenSegment {
  /** Seconds from the start of the window. */
  start: number;
  end: number;
  tokens: number[];
}

/**
 * Cuts a window's generated tokens into segments at timestamp tokens:
 * `<|t0|> text <|t1|><|t1|> text <|t2|> …`. Text after the last timestamp runs to the window's end.
 */
export function tokensToSegments(tokens: readonly number[], config: WhisperModelConfig, windowSeconds: number): TokenSegment[] {
  const { timestampBegin, endOfText } = config.tokens;
  const segments: TokenSegment[] = [];
  let start: number | null = null;
  let text: number[] = [];
  const close = (end: number) => {
    const from = Math.min(start ?? 0, windowSeconds);
    segments.push({ start: from, end: Math.max(from, Math.min(end, windowSeconds)), tokens: text });
    text = [];
    start = null;
  };
  for (const token of tokens) {
    if (token === endOfText) break;
    if (token >= timestampBegin) {
      const time = (token - timestampBegin) * config.timePrecision;
      if (start !== null && text.length > 0) close(time);
      else start = time;
    } else if (token < endOfText) {
      text.push(token);
    }
  }
  if (text.length > 0) close(windowSeconds);
  return segments;
}

/** How much the text compresses: Whisper's repetition detector (> 2.4 means looping). */
export function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return 0;
  return bytes.length / deflateSync(bytes).length;
}
