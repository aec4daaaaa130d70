import { hostname } from 'node:os';
import type { Logger } from '../common/logger.js';
import type { WorkerRegistration } from '../common/hub-contract.js';
import { WorkerClient, type TaskRunner, type WorkerClientOptions } from './client.js';
import type { WorkerConfig } from './config.js';
import { MasterLink } from './master-link.js';
import { ModelManager } from './models/model-manager.js';
import { resolveModelDir } from './models/resolve-model.js';
import { TranscriptionEngine } from './pipeline/engine.js';
import { subtitize, TaskCancelled } from './pipeline/subtitize.js';
import { ChatTranslator } from './pipeline/translate.js';
import { serveWorkerRest, type WorkerRestServer } from './rest.js';
import { StandaloneTasks } from './standalone-tasks.js';

export interface RunningWorker {
  readonly engine: TranscriptionEngine;
  readonly host: WorkerHost;
  stop(): Promise<void>;
}

export interface WorkerHost {
  readonly link: MasterLink;
  readonly tasks: StandaloneTasks;
  /** The REST API, when one was asked for. */
  readonly rest: WorkerRestServer | null;
  stop(): Promise<void>;
}

export interface WorkerHostOptions {
  workerId: string;
  capabilities: WorkerRegistration;
  token?: string | undefined;
  /** Joined at once when given; the REST API's /set-master can join one later. */
  masterUrl: string | null;
  rest?: { host: string; port: number; setMasterWaitMs?: number } | undefined;
  /** Resolve only once the master has the worker registered (the desktop app's local worker, tests). */
  waitForMaster?: boolean;
  client?: Pick<WorkerClientOptions, 'progressIntervalMs' | 'redeliverAfterMs'>;
}

/**
 * What a worker is around its engine: the link to a master, the tasks it runs on its own, and its
 * REST API. Both kinds of work share the one slot.
 */
export async function createWorkerHost(runner: TaskRunner, options: WorkerHostOptions, logger: Logger): Promise<WorkerHost> {
  let tasks: StandaloneTasks | null = null;
  const link = new MasterLink(
    (hubUrl) =>
      new WorkerClient(
        {
          hubUrl,
          workerId: options.workerId,
          endpoint: `captionhub://${hostname()}`,
          ...(options.token && { accessToken: options.token }),
          capabilities: options.capabilities,
          busyElsewhere: () => tasks?.busy ?? false,
          ...options.client,
        },
        runner,
        logger,
      ),
    logger,
  );
  tasks = new StandaloneTasks(runner, logger, { busyWithMasterWork: () => link.busy, changed: () => link.statusChanged() });
  // The REST API first, so that the worker takes work standalone while its master is not there yet.
  const rest = options.rest ? await serveWorkerRest({ link, tasks, workerId: options.workerId }, options.rest, logger) : null;
  if (options.masterUrl) {
    const joining = link.connect(options.masterUrl);
    if (options.waitForMaster) await joining;
  }
  return {
    link,
    tasks,
    rest,
    async stop() {
      await rest?.close();
      await tasks!.stopAll();
      await link.close();
    },
  };
}

/** Loads the model on its inference thread, then joins the master at `config.masterUrl` (if any) and serves its REST API (if asked). */
export async function startWorker(
  config: WorkerConfig,
  logger: Logger,
  options: { rest?: { host: string; port: number }; /** Default true: resolve once the master has it registered. */ waitForMaster?: boolean } = {},
): Promise<RunningWorker> {
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
  const host = await createWorkerHost(
    runner,
    {
      workerId: config.workerId,
      token: config.token,
      masterUrl: config.masterUrl,
      rest: options.rest,
      waitForMaster: options.waitForMaster ?? true,
      capabilities: {
        gpu_available: engine.info.provider !== 'cpu',
        concurrent_tasks: 1,
        provider: engine.info.provider,
        provider_fallback: engine.info.skipped.map((s) => `${s.provider}: ${s.reason}`),
        model: config.model,
      },
    },
    logger,
  );
  return {
    engine,
    host,
    async stop() {
      await host.stop();
      await engine.close();
    },
  };
}
