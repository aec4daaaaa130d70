import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveLanguage, UnknownLanguageError, WHISPER_LANGUAGE_CODES } from '../../worker/pipeline/whisper/languages.js';

test('the language argument takes codes, English, Chinese and native names, and Auto', () => {
  const cases: [string | null, string | null][] = [
    ['en', 'en'],
    ['English', 'en'],
    ['英语', 'en'],
    ['中文', 'zh'],
    ['简体中文', 'zh'],
    ['zh-CN', 'zh'],
    ['日本語', 'ja'],
    ['日语', 'ja'],
    ['한국어', 'ko'],
    ['français', 'fr'],
    ['<|de|>', 'de'],
    ['粤语', 'yue'],
    ['Auto', null],
    ['自动', null],
    ['', null],
    [null, null],
  ];
  for (const [input, expected] of cases) assert.equal(resolveLanguage(input), expected, String(input));
  assert.throws(() => resolveLanguage('Klingon'), (e: Error) => e instanceof UnknownLanguageError && /Unknown language 'Klingon'/.test(e.message));
});

test("Whisper's token order: 99 languages, then Cantonese for large-v3", () => {
  assert.equal(WHISPER_LANGUAGE_CODES.length, 100);
  assert.deepEqual(WHISPER_LANGUAGE_CODES.slice(0, 5), ['en', 'zh', 'de', 'es', 'ru']);
  assert.equal(WHISPER_LANGUAGE_CODES[98], 'su');
  assert.equal(WHISPER_LANGUAGE_CODES[99], 'yue');
});
