import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The inverse of GPT-2's byte → printable character map used by byte-level BPE vocabularies. */
function unicodeToByte(): Map<string, number> {
  const printable = new Set<number>();
  for (let b = 33; b <= 126; b++) printable.add(b);
  for (let b = 161; b <= 172; b++) printable.add(b);
  for (let b = 174; b <= 255; b++) printable.add(b);
  const map = new Map<string, number>();
  let next = 0;
  for (let b = 0; b < 256; b++) {
    map.set(String.fromCharCode(printable.has(b) ? b : 256 + next++), b);
  }
  return map;
}

/**
 * Decodes Whisper token ids to text with a model's tokenizer.json. Only decoding is needed: the
 * engine's prompts are made of special tokens.
 */
export class WhisperTokenizer {
  private readonly pieces: (string | undefined)[];
  private readonly special = new Set<number>();
  private readonly bytes = unicodeToByte();
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false });

  constructor(tokenizerJson: { model?: { vocab?: Record<string, number> }; added_tokens?: { id: number; content: string }[] }) {
    const vocab = tokenizerJson.model?.vocab ?? {};
    this.pieces = [];
    for (const [piece, id] of Object.entries(vocab)) this.pieces[id] = piece;
    for (const token of tokenizerJson.added_tokens ?? []) {
      this.pieces[token.id] = token.content;
      this.special.add(token.id);
    }
  }

  static load(dir: string): WhisperTokenizer {
    return new WhisperTokenizer(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')));
  }

  /** The token's surface form: "<|en|>", or a byte-level piece such as "Ġhello". */
  piece(id: number): string | undefined {
    return this.pieces[id];
  }

  /** Text of the ordinary tokens among `ids`; special and timestamp tokens are left out. */
  decode(ids: readonly number[]): string {
    const out: number[] = [];
    for (const id of ids) {
      if (this.special.has(id)) continue;
      const piece = this.pieces[id];
      if (piece === undefined) continue;
      for (const char of piece) {
        const byte = this.bytes.get(char);
        if (byte !== undefined) out.push(byte);
      }
    }
    return this.utf8.decode(Uint8Array.from(out));
  }
}
