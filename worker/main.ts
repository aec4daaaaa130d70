import { hostname } from 'node:os';
import type { Logger } from '../common/logger.js';
import { WorkerClient, type TaskRunner } from './client.js';
import type { WorkerConfig } from './config.js';
import { ModelManager } from './models/model-manager.js';
import { resolveModelDir } from './models/resolve-model.js';
import { TranscriptionEngine } from './pipeline/engine.js';
import { subtitize, TaskCancelled } from './pipeline/subtitize.js';
import { ChatTranslator } from './pipeline/translate.js';

export interface RunningWorker {
  readonly client: WorkerClient;
  readonly engine: TranscriptionEngine;
  stop(): Promise<void>;
}

/** Loads the model on its inference thread, then joins the master at `config.masterUrl`. */
export async function startWorker(config: WorkerConfig & { masterUrl: string }, logger: Logger): Promise<RunningWorker> {
  const manager = new ModelManager({ folder: config.modelsFolder });
  let lastDecile = -1;
  const modelDir = await resolveModelDir(
    config.model,
    manager,
    (p) => {
      const decile = Math.floor((p.bytes / Math.max(1, p.total)) * 10);
      if (decile !== lastDecile) logger.info('downloading model', { model: config.model, percent: decile * 10 });
      lastDecile = decile;
    },
    config.variant,
  );
  const engine = await TranscriptionEngine.start(
    {
      modelDir,
      variant: config.variant,
      ...(config.providers && { providers: config.providers }),
      ...(config.threads && { threads: config.threads }),
    },
    logger,
  );
  const translator = config.translator ? new ChatTranslator(config.translator) : null;
  const runner: TaskRunner = {
    run: (task, signal, report) =>
      subtitize(
        {
          videoPath: task.videoPath,
          rawSubtitlePath: task.rawSubtitlePath,
          translatedSubtitlePath: task.translatedSubtitlePath,
          language: task.language,
        },
        { engine, translator, logger, ...(config.batchSize && { batchSize: config.batchSize }) },
        signal,
        report,
      ),
    isCancellation: (error) => error instanceof TaskCancelled,
  };
  const client = new WorkerClient(
    {
      hubUrl: config.masterUrl,
      workerId: config.workerId,
      endpoint: `captionhub://${hostname()}`,
      ...(config.token && { accessToken: config.token }),
      capabilities: {
        gpu_available: engine.info.provider !== 'cpu',
        concurrent_tasks: 1,
        provider: engine.info.provider,
        provider_fallback: engine.info.skipped.map((s) => `${s.provider}: ${s.reason}`),
        model: config.model,
      },
    },
    runner,
    logger,
  );
  await client.start();
  return {
    client,
    engine,
    async stop() {
      await client.stop();
      await engine.close();
    },
  };
}
