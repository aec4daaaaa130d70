import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../../common/logger.js';
import type { WorkingState } from '../../common/task-types.js';
import { decodeAudio, type AudioTools } from './audio.js';
import type { TranscriptionEngine } from './engine.js';
import { buildCues, formatSrt, parseSrt, type Cue, type CueLayout, DEFAULT_LAYOUT } from './subtitles.js';
import type { ChatTranslator } from './translate.js';
import { resolveLanguage } from './whisper/languages.js';
import type { TranscriptionResult } from './whisper/transcriber.js';

/** One StartSubtitize: a media file in, a raw and (maybe) a translated subtitle file out. */
export interface SubtitizeJob {
  videoPath: string;
  rawSubtitlePath: string;
  /** Empty: no translation asked for. */
  translatedSubtitlePath: string;
  /** As the user gave it: a code, a name, "Auto" or empty. */
  language: string | null;
  /** Defaults to the language in the translated file's name, as in "talk.zh.srt". */
  targetLanguage?: string | null;
  /** "translate" makes the first file English through Whisper's translate task. */
  task?: 'transcribe' | 'translate';
}

export interface SubtitizeDeps {
  engine: TranscriptionEngine;
  translator: ChatTranslator | null;
  logger: Logger;
  audioTools?: AudioTools;
  layout?: CueLayout;
  /** Passed to the engine: windows per batch, fallback temperatures. */
  batchSize?: number;
  temperatures?: number[];
}

export interface SubtitizeResult {
  rawSubtitlePath: string;
  /** Empty when no translation was made; `warnings` says why. */
  translatedSubtitlePath: string;
  language: string;
  cues: number;
  warnings: string[];
}

export type ProgressReport = (progress: number, state: WorkingState) => void;

/** The task was stopped on request, whichever stage it was in. */
export class TaskCancelled extends Error {
  override name = 'TaskCancelled';
  constructor() {
    super('The task was cancelled.');
  }
}

// Progress bands in ten-thousandths, as the VideoCaptioner worker reports them.
const BAND = { prepare: [0, 500], decode: [500, 1000], recognise: [1000, 5000], optimise: [5000, 7000], translate: [7000, 10000] } as const;
const within = (band: readonly [number, number], fraction: number) => Math.round(band[0] + (band[1] - band[0]) * Math.min(1, Math.max(0, fraction)));

/**
 * The whole task: decode the audio, transcribe it (or reuse an existing raw file, as the
 * VideoCaptioner worker does), lay the text out in cues, then translate: to English with Whisper's
 * translate task, to anything else with the configured chat-completions translator.
 */
export async function subtitize(job: SubtitizeJob, deps: SubtitizeDeps, signal: AbortSignal, report: ProgressReport): Promise<SubtitizeResult> {
  try {
    return await run(job, deps, signal, report);
  } catch (error) {
    // Every stage has its own way of stopping; callers see one.
    if (signal.aborted) throw new TaskCancelled();
    throw error;
  }
}

async function run(job: SubtitizeJob, deps: SubtitizeDeps, signal: AbortSignal, report: ProgressReport): Promise<SubtitizeResult> {
  const warnings: string[] = [];
  const sourceLanguage = resolveLanguage(job.language);
  const target = resolveTarget(job, warnings);
  const englishByWhisper = target === 'en';
  const throwIfCancelled = () => {
    if (signal.aborted) throw new TaskCancelled();
  };

  report(BAND.prepare[0], 'transcribing');
  let rawCues = readExisting(job.rawSubtitlePath, deps.logger);
  let samples: Float32Array | null = null;
  /** The audio's language: as given, or as detected when transcription runs. */
  let language = sourceLanguage;
  if (!rawCues) {
    report(BAND.prepare[1], 'transcribing');
    const decoded = await decodeAudio(job.videoPath, {
      signal,
      ...(deps.audioTools && { tools: deps.audioTools }),
      onProgress: (done, total) => report(within(BAND.decode, total ? done / total : 0), 'transcribing'),
    });
    samples = decoded.samples;
  }
  throwIfCancelled();

  if (!rawCues) {
    // The engine takes the buffer; keep a copy only when the translate pass will need the audio too.
    const audio = englishByWhisper ? samples!.slice() : samples!;
    const result = await transcribe(deps, audio, sourceLanguage, job.task ?? 'transcribe', signal, (f) => report(within(BAND.recognise, f), 'transcribing'));
    language = result.language;
    report(BAND.optimise[0], 'optimizing');
    rawCues = buildCues(result.segments, deps.layout ?? DEFAULT_LAYOUT);
    writeAtomically(job.rawSubtitlePath, formatSrt(rawCues));
    deps.logger.info('raw subtitles written', { file: job.rawSubtitlePath, cues: rawCues.length, language });
  } else {
    deps.logger.info('raw subtitles exist; transcription skipped', { file: job.rawSubtitlePath, cues: rawCues.length });
  }
  report(BAND.optimise[1], 'optimizing');
  throwIfCancelled();

  let translatedSubtitlePath = '';
  if (job.translatedSubtitlePath && target) {
    report(BAND.translate[0], 'translating');
    let translated: Cue[] | null = null;
    if (englishByWhisper) {
      if (language === 'en') {
        translated = rawCues; // already English
      } else {
        samples ??= (await decodeAudio(job.videoPath, { signal, ...(deps.audioTools && { tools: deps.audioTools }) })).samples;
        const result = await transcribe(deps, samples, language, 'translate', signal, (f) => report(within(BAND.translate, f), 'translating'));
        translated = buildCues(result.segments, deps.layout ?? DEFAULT_LAYOUT);
      }
    } else if (deps.translator) {
      translated = await deps.translator.translate(rawCues, target, {
        signal,
        onProgress: (done, total) => report(within(BAND.translate, done / total), 'translating'),
        maxLineWidth: (deps.layout ?? DEFAULT_LAYOUT).maxLineWidth,
      });
    } else {
      warnings.push(`No translator is configured for ${target}: set a chat-completions endpoint in the worker's settings. The raw subtitles were written.`);
    }
    if (translated) {
      writeAtomically(job.translatedSubtitlePath, formatSrt(translated));
      translatedSubtitlePath = job.translatedSubtitlePath;
    }
  }
  report(BAND.translate[1], 'translating');
  for (const warning of warnings) deps.logger.warn(warning, { video: job.videoPath });
  return { rawSubtitlePath: job.rawSubtitlePath, translatedSubtitlePath, language: language ?? 'unknown', cues: rawCues.length, warnings };
}

function transcribe(
  deps: SubtitizeDeps,
  samples: Float32Array,
  language: string | null,
  task: 'transcribe' | 'translate',
  signal: AbortSignal,
  onFraction: (fraction: number) => void,
): Promise<TranscriptionResult> {
  return deps.engine.transcribe(samples, {
    language,
    task,
    signal,
    ...(deps.batchSize !== undefined && { batchSize: deps.batchSize }),
    ...(deps.temperatures && { temperatures: deps.temperatures }),
    onProgress: (p) => onFraction(p.fraction),
  });
}

/** The target language: given, or read from a translated file name such as "talk.zh.srt". */
function resolveTarget(job: SubtitizeJob, warnings: string[]): string | null {
  if (!job.translatedSubtitlePath) return null;
  const given = job.targetLanguage ?? /\.([A-Za-z]{2,3}(?:[-_][A-Za-z]{2,4})?)\.srt$/i.exec(basename(job.translatedSubtitlePath))?.[1];
  if (!given) {
    warnings.push(`Cannot tell the target language of ${job.translatedSubtitlePath}: name it like "video.zh.srt". Only the raw subtitles were written.`);
    return null;
  }
  try {
    return resolveLanguage(given);
  } catch (error) {
    warnings.push(`${(error as Error).message} Only the raw subtitles were written.`);
    return null;
  }
}

function readExisting(path: string, logger: Logger): Cue[] | null {
  if (!existsSync(path)) return null;
  try {
    const cues = parseSrt(readFileSync(path, 'utf8'));
    return cues.length > 0 ? cues : null;
  } catch (error) {
    logger.warn('existing raw subtitles unreadable; transcribing again', { file: path, error: (error as Error).message });
    return null;
  }
}

/** Written beside the target and renamed over it: a reader never sees half a file. */
function writeAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}
