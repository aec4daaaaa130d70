// Subtitle cues: building them from timed segments (sentence splits, line wrapping by display
// width), and the SRT format, written and parsed so that a round trip changes nothing.

export interface Cue {
  /** Seconds. */
  start: number;
  end: number;
  /** One or two lines, joined by "\n". */
  text: string;
}

export interface TimedText {
  start: number;
  end: number;
  text: string;
}

export interface CueLayout {
  /** Display columns per line; CJK characters take two. */
  maxLineWidth: number;
  maxLines: number;
}

export const DEFAULT_LAYOUT: CueLayout = { maxLineWidth: 42, maxLines: 2 };

export class SubtitleParseError extends Error {
  override name = 'SubtitleParseError';
}

/** East Asian wide and fullwidth characters take two columns on screen. */
export function charWidth(codePoint: number): number {
  return (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf && codePoint !== 0x303f) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd)
    ? 2
    : 1;
}

export function textWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char.codePointAt(0)!);
  return width;
}

/**
 * Breaks text into lines of at most `maxWidth` columns: at spaces in spaced scripts, between any
 * two characters in CJK text, and inside a word only when the word alone is too wide.
 */
export function wrapText(text: string, maxWidth: number): string[] {
  const lines: string[] = [];
  let line = '';
  let lineWidth = 0;
  const pushLine = () => {
    if (line.trim()) lines.push(line.trim());
    line = '';
    lineWidth = 0;
  };
  // Units that must not be split: a run of non-space, non-wide characters, or one wide character.
  const units = text.trim().match(/\s+|[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+|./gsu) ?? [];
  for (const unit of units) {
    if (/^\s+$/.test(unit)) {
      if (lineWidth > 0) {
        line += ' ';
        lineWidth += 1;
      }
      continue;
    }
    const width = textWidth(unit);
    if (lineWidth + width > maxWidth && lineWidth > 0) pushLine();
    if (width > maxWidth) {
      // A single word wider than a line: cut it by characters.
      for (const char of unit) {
        const w = textWidth(char);
        if (lineWidth + w > maxWidth) pushLine();
        line += char;
        lineWidth += w;
      }
      continue;
    }
    line += unit;
    lineWidth += width;
  }
  pushLine();
  return lines;
}

/** Splits after sentence-ending punctuation (., !, ?, …, and their CJK forms), keeping it. */
export function splitSentences(text: string): string[] {
  const parts = text.match(/[^.!?。！？…]+(?:[.!?。！？…]+["'”’」』)]*|$)/gu) ?? [text];
  return parts.map((p) => p.trim()).filter(Boolean);
}

/**
 * Cues from timed segments: each sentence becomes its own cue, and text that still needs more
 * than `maxLines` lines is cut into several cues. Time is shared out in proportion to text width.
 */
export function buildCues(segments: TimedText[], layout: CueLayout = DEFAULT_LAYOUT): Cue[] {
  const cues: Cue[] = [];
  for (const segment of segments) {
    const text = segment.text.trim();
    if (!text) continue;
    const pieces = splitSentences(text).flatMap((sentence) => {
      const lines = wrapText(sentence, layout.maxLineWidth);
      const chunks: string[] = [];
      for (let i = 0; i < lines.length; i += layout.maxLines) chunks.push(lines.slice(i, i + layout.maxLines).join('\n'));
      return chunks;
    });
    const total = pieces.reduce((sum, p) => sum + Math.max(1, textWidth(p.replace(/\n/g, ' '))), 0);
    let clock = segment.start;
    for (const piece of pieces) {
      const share = Math.max(1, textWidth(piece.replace(/\n/g, ' '))) / total;
      const end = piece === pieces.at(-1) ? segment.end : clock + (segment.end - segment.start) * share;
      cues.push({ start: clock, end: Math.max(clock, end), text: piece });
      clock = end;
    }
  }
  return cues;
}

function formatTime(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)},${pad(ms % 1000, 3)}`;
}

function parseTime(text: string, line: number): number {
  const match = /^(\d{1,3}):(\d{2}):(\d{2})[,.](\d{1,3})$/.exec(text.trim());
  if (!match) throw new SubtitleParseError(`line ${line}: '${text.trim()}' is not an SRT time (HH:MM:SS,mmm)`);
  const [, h, m, s, ms] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms!.padEnd(3, '0')) / 1000;
}

export function formatSrt(cues: readonly Cue[]): string {
  return cues.map((cue, i) => `${i + 1}\n${formatTime(cue.start)} --> ${formatTime(cue.end)}\n${cue.text}\n`).join('\n');
}

/** Reads SRT text (LF or CRLF, with or without a BOM); errors name the line. */
export function parseSrt(source: string): Cue[] {
  const lines = source.replace(/^\ufeff/, '').split(/\r?\n/);
  const cues: Cue[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.trim() === '') {
      i++;
      continue;
    }
    if (!/^\d+$/.test(lines[i]!.trim())) throw new SubtitleParseError(`line ${i + 1}: expected a cue number, found '${lines[i]}'`);
    const timing = lines[i + 1];
    if (timing === undefined) throw new SubtitleParseError(`line ${i + 2}: missing the time line of cue ${lines[i]!.trim()}`);
    const arrow = timing.split('-->');
    if (arrow.length !== 2) throw new SubtitleParseError(`line ${i + 2}: expected 'start --> end', found '${timing}'`);
    const start = parseTime(arrow[0]!, i + 2);
    const end = parseTime(arrow[1]!, i + 2);
    const text: string[] = [];
    i += 2;
    while (i < lines.length && lines[i]!.trim() !== '') text.push(lines[i++]!);
    cues.push({ start, end, text: text.join('\n') });
  }
  return cues;
}
