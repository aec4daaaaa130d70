// The whole task on real parts: ffmpeg, Silero VAD, the tiny Whisper on its own thread, SRT files,
// and a chat-completions server on 127.0.0.1.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../../common/logger.js';
import { AudioError } from '../../worker/pipeline/audio.js';
import { TranscriptionEngine } from '../../worker/pipeline/engine.js';
import { subtitize, TaskCancelled, type SubtitizeDeps } from '../../worker/pipeline/subtitize.js';
import { parseSrt } from '../../worker/pipeline/subtitles.js';
import { ChatTranslator, TranslationError } from '../../worker/pipeline/translate.js';
import { startChatServer, translateWithTag } from '../helpers/chat-server.js';
import { ffmpegGenerate, mediaDir, speechWithPauses } from '../helpers/media.js';
import { tinyWhisper } from '../helpers/tiny-whisper.js';

describe('subtitize: media in, subtitle files out', () => {
  let engine: TranscriptionEngine;
  let dir: string;
  let video: string;
  let chat: Awaited<ReturnType<typeof startChatServer>>;
  let deps: SubtitizeDeps;

  before(async () => {
    engine = await TranscriptionEngine.start({ modelDir: tinyWhisper(), threads: 1, providers: ['cpu'] }, silentLogger);
    dir = mediaDir();
    const { file } = speechWithPauses(dir, [
      ['Good morning everyone, and welcome to the show.', 2.5],
      ['Today we talk about making subtitles at home.', 2],
    ]);
    // Put the speech in a video container, as users' files are.
    video = ffmpegGenerate(join(dir, 'talk.mp4'), ['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=5:duration=12', '-i', file, '-c:v', 'mpeg4', '-c:a', 'aac', '-shortest']);
    chat = await startChatServer();
    deps = { engine, translator: new ChatTranslator({ baseUrl: chat.baseUrl, model: 'test-model', batchSize: 2 }), logger: silentLogger, temperatures: [0] };
  });
  after(async () => {
    await engine.close();
    await chat.close();
  });

  test('writes the raw SRT and a translation with the same cues and timing; progress climbs through the states', async () => {
    const progress: [number, string][] = [];
    const result = await subtitize(
      { videoPath: video, rawSubtitlePath: join(dir, 'out', 'talk.srt'), translatedSubtitlePath: join(dir, 'out', 'talk.zh.srt'), language: '英语' },
      deps,
      new AbortController().signal,
      (p, state) => progress.push([p, state]),
    );
    assert.equal(result.language, 'en');
    assert.deepEqual(result.warnings, []);
    const raw = parseSrt(readFileSync(result.rawSubtitlePath, 'utf8'));
    const translated = parseSrt(readFileSync(result.translatedSubtitlePath, 'utf8'));
    assert.ok(raw.length > 0);
    assert.equal(translated.length, raw.length);
    translated.forEach((cue, i) => {
      assert.equal(cue.start, raw[i]!.start);
      assert.equal(cue.end, raw[i]!.end);
      assert.ok(cue.text.replace(/\n/g, ' ').startsWith('[zh] '), cue.text);
    });
    assert.ok(raw.every((c) => c.start >= 0.5 && c.end <= 12.5), 'cues lie where the speech is');
    // Progress: never backwards, ends at 10000, states in the compat note's order.
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]![0] >= progress[i - 1]![0], JSON.stringify(progress.slice(i - 1, i + 1)));
    assert.equal(progress.at(-1)![0], 10000);
    const states = [...new Set(progress.map(([, s]) => s))];
    assert.deepEqual(states, ['transcribing', 'optimizing', 'translating']);
    assert.ok(progress.some(([p]) => p > 1000 && p < 5000), 'recognition reported its own progress');
    // Batches of two cues, numbered across the whole file.
    const firstBatch = JSON.parse(chat.requests[0]!.messages[1]!.content) as Record<string, string>;
    assert.deepEqual(Object.keys(firstBatch), ['1', '2'].slice(0, Math.min(2, raw.length)));
  });

  test('English through Whisper\'s translate task; an existing raw file is reused', async () => {
    const raw = join(dir, 'en', 'talk.srt');
    await subtitize({ videoPath: video, rawSubtitlePath: raw, translatedSubtitlePath: '', language: 'fr' }, deps, new AbortController().signal, () => {});
    const before = readFileSync(raw, 'utf8');
    const logs: string[] = [];
    const result = await subtitize(
      { videoPath: video, rawSubtitlePath: raw, translatedSubtitlePath: join(dir, 'en', 'talk.en.srt'), language: 'French' },
      { ...deps, logger: { ...silentLogger, info: (m) => logs.push(m) } },
      new AbortController().signal,
      () => {},
    );
    assert.equal(readFileSync(raw, 'utf8'), before);
    assert.ok(logs.some((l) => /transcription skipped/.test(l)));
    assert.ok(parseSrt(readFileSync(result.translatedSubtitlePath, 'utf8')).length > 0);
  });

  test('no translator for the target: the raw file is still written, the translated path is empty, a warning says why', async () => {
    const result = await subtitize(
      { videoPath: video, rawSubtitlePath: join(dir, 'ja', 'talk.srt'), translatedSubtitlePath: join(dir, 'ja', 'talk.ja.srt'), language: 'en' },
      { ...deps, translator: null },
      new AbortController().signal,
      () => {},
    );
    assert.equal(result.translatedSubtitlePath, '');
    assert.ok(existsSync(result.rawSubtitlePath));
    assert.ok(!existsSync(join(dir, 'ja', 'talk.ja.srt')));
    assert.match(result.warnings[0]!, /No translator is configured for ja/);
  });

  test('a malformed answer is asked again once; twice malformed fails naming the cues', async () => {
    const raw = join(dir, 'retry', 'talk.srt');
    const flaky = await startChatServer((request, call) => (call === 1 ? { content: 'Sure! Here you go: 1) ...' } : translateWithTag(request)));
    try {
      const result = await subtitize(
        { videoPath: video, rawSubtitlePath: raw, translatedSubtitlePath: join(dir, 'retry', 'talk.de.srt'), language: 'en' },
        { ...deps, translator: new ChatTranslator({ baseUrl: flaky.baseUrl, model: 'm', batchSize: 50 }) },
        new AbortController().signal,
        () => {},
      );
      assert.ok(result.translatedSubtitlePath);
      assert.match(flaky.requests[1]!.messages.at(-1)!.content, /previous answer was not usable: no JSON object/);
    } finally {
      await flaky.close();
    }
    const broken = await startChatServer(() => ({ content: '{"1": "only one"}' }));
    try {
      await assert.rejects(
        subtitize(
          { videoPath: video, rawSubtitlePath: raw, translatedSubtitlePath: join(dir, 'retry', 'talk.ko.srt'), language: 'en' },
          { ...deps, translator: new ChatTranslator({ baseUrl: broken.baseUrl, model: 'm', batchSize: 50 }) },
          new AbortController().signal,
          () => {},
        ),
        (error: unknown) => error instanceof TranslationError && /Cues 1–\d+: the translator's answer was unusable twice \(subtitles .* were missing or empty\)/.test((error as Error).message),
      );
      assert.equal(broken.requests.length, 2);
    } finally {
      await broken.close();
    }
  });

  test('a file that is not media fails with an error naming it', async () => {
    const bogus = join(dir, 'bogus.mkv');
    writeFileSync(bogus, 'not a video');
    await assert.rejects(
      subtitize({ videoPath: bogus, rawSubtitlePath: join(dir, 'bogus.srt'), translatedSubtitlePath: '', language: null }, deps, new AbortController().signal, () => {}),
      (error: unknown) => error instanceof AudioError && error.message.includes('bogus.mkv'),
    );
  });

  test('cancellation stops the task', async () => {
    const controller = new AbortController();
    await assert.rejects(
      subtitize(
        { videoPath: video, rawSubtitlePath: join(dir, 'cancel', 'talk.srt'), translatedSubtitlePath: '', language: 'en' },
        deps,
        controller.signal,
        (p) => {
          if (p >= 600) controller.abort();
        },
      ),
      (error: unknown) => error instanceof TaskCancelled,
    );
    assert.ok(!existsSync(join(dir, 'cancel', 'talk.srt')));
    // Cancelled during recognition, on the inference thread, too.
    const late = new AbortController();
    await assert.rejects(
      subtitize(
        { videoPath: video, rawSubtitlePath: join(dir, 'cancel', 'talk.srt'), translatedSubtitlePath: '', language: 'en' },
        deps,
        late.signal,
        (p) => {
          if (p > 1000) late.abort();
        },
      ),
      (error: unknown) => error instanceof TaskCancelled,
    );
  });

  test('an engine whose thread is gone fails new work at once instead of hanging', async () => {
    const closing = await TranscriptionEngine.start({ modelDir: tinyWhisper(), threads: 1, providers: ['cpu'] }, silentLogger);
    await closing.close();
    await assert.rejects(closing.transcribe(new Float32Array(16000), { language: 'en', task: 'transcribe' }), /the engine is closed/);
  });
});
