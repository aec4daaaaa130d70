// A synthetic byte-level BPE vocabulary with Whisper's real sizes and special-token ids, written
// as a Hugging Face tokenizer.json. Its merges are made up from a seed; the ids that matter
// (specials, languages, tasks, timestamps, the space at 220) sit exactly where Whisper's do.
import { WHISPER_LANGUAGE_CODES } from '../../worker/pipeline/whisper/languages.js';
import { Random } from './random.js';

/** GPT-2's reversible byte → printable character map, in its vocabulary order. */
export function byteLevelAlphabet(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const chars = new Map<number, string>();
  for (const b of printable) chars.set(b, String.fromCharCode(b));
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (!chars.has(b)) chars.set(b, String.fromCharCode(256 + next++));
  }
  const order = [...printable, ...Array.from({ length: 256 }, (_, b) => b).filter((b) => !printable.includes(b))];
  return order.map((b) => chars.get(b)!);
}

export interface SpecialTokens {
  endOfText: number;
  startOfTranscript: number;
  languages: Record<string, number>;
  translate: number;
  transcribe: number;
  startOfLm: number;
  startOfPrev: number;
  noSpeech: number;
  noTimestamps: number;
  timestampBegin: number;
  /** Every added token, in id order. */
  added: { id: number; content: string; special: boolean }[];
}

/** Layout of a multilingual Whisper vocabulary: 51865 tokens (99 languages) or 51866 (100, large-v3). */
export function specialTokens(vocabSize: 51865 | 51866): SpecialTokens {
  const languages = WHISPER_LANGUAGE_CODES.slice(0, vocabSize === 51866 ? 100 : 99);
  const added: SpecialTokens['added'] = [];
  let id = 50257;
  const add = (content: string, special = true) => {
    added.push({ id, content, special });
    return id++;
  };
  const endOfText = add('<|endoftext|>');
  const startOfTranscript = add('<|startoftranscript|>');
  const languageIds: Record<string, number> = {};
  for (const code of languages) languageIds[`<|${code}|>`] = add(`<|${code}|>`);
  const translate = add('<|translate|>');
  const transcribe = add('<|transcribe|>');
  const startOfLm = add('<|startoflm|>');
  const startOfPrev = add('<|startofprev|>');
  const noSpeech = add(vocabSize === 51866 ? '<|nospeech|>' : '<|nocaptions|>');
  const noTimestamps = add('<|notimestamps|>');
  const timestampBegin = id;
  for (let i = 0; i <= 1500; i++) add(`<|${(i * 0.02).toFixed(2)}|>`, false);
  if (id !== vocabSize) throw new Error(`special token layout ends at ${id}, expected ${vocabSize}`);
  return { endOfText, startOfTranscript, languages: languageIds, translate, transcribe, startOfLm, startOfPrev, noSpeech, noTimestamps, timestampBegin, added };
}

/** The tokenizer.json document: 50257 byte-level BPE tokens from seeded merges, plus the specials. */
export function tokenizerJson(vocabSize: 51865 | 51866, seed: number): unknown {
  const random = new Random(seed);
  const alphabet = byteLevelAlphabet();
  const vocab = new Map<string, number>();
  alphabet.forEach((c, i) => vocab.set(c, i));
  const tokens = [...alphabet];
  const merges: string[] = [];
  // Favour letters and the space marker so that decoded text looks like words.
  const letters = tokens.filter((t) => /[a-zA-Z]/.test(t) || t === 'Ġ');
  while (tokens.length < 50257) {
    const pick = () => (random.uniform() < 0.5 ? letters[Math.floor(random.uniform() * letters.length)]! : tokens[Math.floor(random.uniform() * tokens.length)]!);
    const a = pick();
    const b = pick();
    const merged = a + b;
    if (merged.length > 10 || vocab.has(merged) || b.startsWith('Ġ')) continue;
    vocab.set(merged, tokens.length);
    tokens.push(merged);
    merges.push(`${a} ${b}`);
    if (merged.length <= 4 && /^[a-zA-ZĠ]+$/.test(merged)) letters.push(merged);
  }
  const special = specialTokens(vocabSize);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.added.map((t) => ({
      id: t.id,
      content: t.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: t.special,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };
}
