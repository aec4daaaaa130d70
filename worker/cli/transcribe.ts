import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../../common/logger.js';
import { resolveWorkerConfig } from '../config.js';
import { ModelManager } from '../models/model-manager.js';
import { resolveModelDir } from '../models/resolve-model.js';
import { TranscriptionEngine } from '../pipeline/engine.js';
import { subtitize, TaskCancelled } from '../pipeline/subtitize.js';
import { ChatTranslator } from '../pipeline/translate.js';
import { ProgressBar } from './progress-bar.js';

export const TRANSCRIBE_USAGE = `captionhub transcribe FILE [options]
    --model DIR|NAME          model folder, or a name (tiny … large-v3-turbo) downloaded when missing
    --language X              en, zh, 英语, Japanese … or Auto (default)
    --task transcribe|translate   translate = English through Whisper
    --target-language X       also write FILE.X.srt (English via Whisper, others via the translator)
    --out FILE.srt            default: next to the media file
    --threads N  --batch N    CPU threads, windows per batch`;

export async function runTranscribe(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      language: { type: 'string' },
      task: { type: 'string', default: 'transcribe' },
      'target-language': { type: 'string' },
      out: { type: 'string' },
      threads: { type: 'string' },
      batch: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new Error(`expected one media file.\n\n${TRANSCRIBE_USAGE}`);
  if (values.task !== 'transcribe' && values.task !== 'translate') throw new Error(`--task must be transcribe or translate, got '${values.task}'`);
  const config = resolveWorkerConfig();
  const logger = createLogger('transcribe', { level: process.env.LOG_LEVEL ? (process.env.LOG_LEVEL as 'info') : 'warn' });
  const bar = new ProgressBar();

  const manager = new ModelManager({ folder: config.modelsFolder });
  const modelDir = await resolveModelDir(values.model ?? config.model, manager, (p) => bar.update(p.bytes / Math.max(1, p.total), `downloading ${p.file}`), config.variant);
  const engine = await TranscriptionEngine.start(
    {
      modelDir,
      variant: config.variant,
      logLevel: process.env.LOG_LEVEL ?? 'warn',
      ...(config.providers && { providers: config.providers }),
      ...(values.threads ? { threads: Number(values.threads) } : config.threads ? { threads: config.threads } : {}),
    },
    logger,
  );
  const media = resolve(file);
  const out = resolve(values.out ?? join(dirname(media), `${basename(media, extname(media))}.srt`));
  const target = values['target-language'];
  const translated = target ? join(dirname(out), `${basename(out, '.srt')}.${target}.srt`) : '';
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  try {
    const result = await subtitize(
      { videoPath: media, rawSubtitlePath: out, translatedSubtitlePath: translated, language: values.language ?? null, targetLanguage: target ?? null, task: values.task },
      {
        engine,
        translator: config.translator ? new ChatTranslator(config.translator) : null,
        logger,
        ...(values.batch ? { batchSize: Number(values.batch) } : config.batchSize ? { batchSize: config.batchSize } : {}),
      },
      controller.signal,
      (progress, state) => bar.update(progress / 10000, state),
    );
    bar.done(`${result.cues} cues (${result.language}) on ${engine.info.provider}: ${result.rawSubtitlePath}${result.translatedSubtitlePath ? `, ${result.translatedSubtitlePath}` : ''}`);
    for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
    return 0;
  } catch (error) {
    if (error instanceof TaskCancelled) {
      bar.done('cancelled');
      return 130;
    }
    throw error;
  } finally {
    await engine.close();
  }
}
