import type { Cue } from './subtitles.js';
import { wrapText } from './subtitles.js';
import { languageName } from './whisper/languages.js';

/** An OpenAI-compatible chat-completions endpoint: OpenAI, a local Ollama or LM Studio, … */
export interface TranslatorSettings {
  /** e.g. "http://127.0.0.1:11434/v1"; `/chat/completions` is appended. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Cues per request. */
  batchSize?: number;
  timeoutMs?: number;
}

export class TranslationError extends Error {
  override name = 'TranslationError';
}

export interface TranslateOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  maxLineWidth?: number;
}

interface ChatResponse {
  choices?: { message?: { content?: string } }[];
  error?: { message?: string } | string;
}

/**
 * Translates cues in batches, each cue keyed by its number so that the answer maps back one to
 * one: cue count, order and timing never change. A batch whose answer is not that mapping is asked
 * once more; a second bad answer fails the translation, naming the batch.
 */
export class ChatTranslator {
  constructor(private readonly settings: TranslatorSettings) {}

  async translate(cues: readonly Cue[], targetLanguage: string, options: TranslateOptions = {}): Promise<Cue[]> {
    const batchSize = this.settings.batchSize ?? 20;
    const out: Cue[] = [];
    for (let first = 0; first < cues.length; first += batchSize) {
      const batch = cues.slice(first, first + batchSize);
      const numbers = batch.map((_, i) => first + i + 1);
      let texts: Map<number, string> | null = null;
      let problem = '';
      for (let attempt = 1; attempt <= 2 && !texts; attempt++) {
        const content = await this.complete(this.messages(batch, numbers, targetLanguage, attempt > 1 ? problem : null), options.signal);
        const parsed = parseAnswer(content, numbers);
        if (typeof parsed === 'string') problem = parsed;
        else texts = parsed;
      }
      if (!texts) throw new TranslationError(`Cues ${numbers[0]}–${numbers.at(-1)}: the translator's answer was unusable twice (${problem}).`);
      batch.forEach((cue, i) => {
        const text = texts!.get(numbers[i]!)!;
        out.push({ ...cue, text: wrapText(text.replace(/\s*\n\s*/g, ' '), options.maxLineWidth ?? 42).join('\n') });
      });
      options.onProgress?.(out.length, cues.length);
    }
    return out;
  }

  private messages(batch: readonly Cue[], numbers: number[], target: string, problem: string | null) {
    const input = Object.fromEntries(batch.map((cue, i) => [String(numbers[i]), cue.text.replace(/\n/g, ' ')]));
    const system =
      `You translate subtitles into ${languageName(target)} (${target}). ` +
      'Reply with one JSON object only: the same keys as the input, each value the translation of that subtitle. ' +
      'Keep every key, add none, and do not merge or split subtitles.';
    const user = JSON.stringify(input);
    const messages = [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ];
    if (problem) messages.push({ role: 'user', content: `Your previous answer was not usable: ${problem}. Answer again with only the JSON object.` });
    return messages;
  }

  private async complete(messages: { role: string; content: string }[], signal?: AbortSignal): Promise<string> {
    const url = `${this.settings.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    const timeout = AbortSignal.timeout(this.settings.timeoutMs ?? 120_000);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(this.settings.apiKey && { Authorization: `Bearer ${this.settings.apiKey}` }) },
        body: JSON.stringify({ model: this.settings.model, messages, temperature: 0 }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw new TranslationError('Translation was cancelled.');
      throw new TranslationError(`Cannot reach the translator at ${url}: ${(error as Error).cause ? String((error as Error).cause) : (error as Error).message}`);
    }
    const body = (await response.json().catch(() => null)) as ChatResponse | null;
    if (!response.ok) {
      const detail = typeof body?.error === 'string' ? body.error : (body?.error?.message ?? response.statusText);
      throw new TranslationError(`The translator at ${url} answered ${response.status}: ${detail}`);
    }
    const content = body?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new TranslationError(`The translator at ${url} sent no message content.`);
    return content;
  }
}

/** The numbered translations, or a description of what is wrong with the answer. */
function parseAnswer(content: string, numbers: number[]): Map<number, string> | string {
  const json = /\{[\s\S]*\}/.exec(content.replace(/```(?:json)?/g, ''))?.[0];
  if (!json) return 'no JSON object in it';
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return 'the JSON did not parse';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it was not a JSON object';
  const entries = value as Record<string, unknown>;
  const missing = numbers.filter((n) => typeof entries[String(n)] !== 'string' || !(entries[String(n)] as string).trim());
  if (missing.length > 0) return `subtitles ${missing.join(', ')} were missing or empty`;
  const extra = Object.keys(entries).filter((k) => !numbers.includes(Number(k)));
  if (extra.length > 0) return `it had unknown keys ${extra.join(', ')}`;
  return new Map(numbers.map((n) => [n, (entries[String(n)] as string).trim()]));
}
