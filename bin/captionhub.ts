#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createLogger } from '../common/logger.js';
import { ConfigError, resolveMasterConfig } from '../electron/master/config.js';
import { createMaster } from '../electron/master/server.js';
import { runTranscribe, TRANSCRIBE_USAGE } from '../worker/cli/transcribe.js';
import { resolveWorkerConfig } from '../worker/config.js';
import { startWorker, type RunningWorker } from '../worker/main.js';

const USAGE = `Usage: captionhub <command> [options]

Commands:
  master      Run the master: SignalR hub at /signalrhub, task queue, REST API
              --port N      listen port (env PORT, default 5000)
              --host H      listen address (env RPC_HOST, default 127.0.0.1)
              --data DIR    data folder (env CAPTIONHUB_DATA, default the per-user app-data folder)
              --config FILE JSON config shaped as the spec's example
              --local-worker  also run a worker in this process (the desktop app's default)
              Auth: set CAPTIONHUB_TOKEN (or signalr.token in the config) to require a bearer token.

  worker      Run a worker: joins a master, and serves the VideoCaptioner worker's REST API
              (/set-master, /disconnect-master, /status, /health, /api/rpc/*)
              --master URL  hub URL (env RPC_MASTER_URL), e.g. http://gpu-box:5000/signalrhub;
                            without one it waits for GET /set-master?url=… (or runs standalone)
              --id ID       worker id (env CAPTIONHUB_WORKER_ID, default <hostname>-worker)
              --model X     model name or folder (env CAPTIONHUB_MODEL, default small)
              --port N      REST API port (env CAPTIONHUB_WORKER_PORT, default 5001)
              --host H      REST API address (env CAPTIONHUB_WORKER_HOST, default 127.0.0.1;
                            0.0.0.0 to reach it from the LAN)
              Settings: CAPTIONHUB_MODELS, CAPTIONHUB_PROVIDERS (cuda,cpu), CAPTIONHUB_THREADS,
              CAPTIONHUB_TRANSLATOR_URL / _MODEL / _KEY (an OpenAI-compatible endpoint)

  transcribe  Make subtitles for one media file
  ${TRANSCRIBE_USAGE.split('\n').join('\n  ')}

  help        Show this text
`;

async function runMaster(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      config: { type: 'string' },
      'local-worker': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const logger = createLogger('master');
  const { 'local-worker': localWorker, ...flags } = values;
  const config = resolveMasterConfig(flags);
  const master = await createMaster(config, { logger });
  logger.info(`CaptionHub master listening on ${master.url}`, { hub: master.hubUrl, data: config.dataDir, auth: config.token ? 'token' : 'none' });
  let worker: RunningWorker | null = null;
  if (localWorker) {
    const workerConfig = { ...resolveWorkerConfig(), masterUrl: master.hubUrl, token: config.token, workerId: process.env.CAPTIONHUB_WORKER_ID ?? 'local' };
    // The master stays useful without it: a missing model is reported, not fatal.
    startWorker(workerConfig, createLogger('worker')).then(
      (running) => (worker = running),
      (error: Error) => logger.error('the local worker could not start', { error: error.message }),
    );
  }

  let signals = 0;
  const stop = (signal: string) => {
    if (++signals > 1) process.exit(1);
    logger.info('stopping', { signal });
    Promise.resolve(worker?.stop())
      .then(() => master.stop())
      .then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('stop failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function runWorker(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { master: { type: 'string' }, id: { type: 'string' }, model: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
    strict: true,
  });
  const config = resolveWorkerConfig({
    ...process.env,
    ...(values.port !== undefined && { CAPTIONHUB_WORKER_PORT: values.port }),
    ...(values.host !== undefined && { CAPTIONHUB_WORKER_HOST: values.host }),
  });
  const masterUrl = values.master ?? config.masterUrl;
  const logger = createLogger('worker');
  if (!masterUrl) logger.info('no master given: waiting for GET /set-master?url=<hub URL>, and taking tasks over REST meanwhile');
  const worker = await startWorker(
    { ...config, masterUrl, ...(values.id && { workerId: values.id }), ...(values.model && { model: values.model }) },
    logger,
    // Standalone work over REST goes on while the master is not there yet.
    { rest: config.rest, waitForMaster: false },
  );
  const stop = () => worker.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'master':
      return runMaster(rest);
    case 'worker':
      return runWorker(rest);
    case 'transcribe':
      process.exitCode = await runTranscribe(rest);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`Unknown command '${command}'.\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known = ['ConfigError', 'WorkerConfigError', 'AudioError', 'ModelDownloadError', 'ModelConfigError', 'TranslationError', 'UnknownLanguageError'];
  const message = error instanceof ConfigError || known.includes((error as Error).name) || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') || /^expected one media file|^--task/.test((error as Error).message)
    ? (error as Error).message
    : error instanceof Error && 'code' in error && error.code === 'EADDRINUSE'
      ? `Cannot listen: ${error.message}. Is another master already running? Pick another port with --port.`
      : String(error instanceof Error ? (error.stack ?? error.message) : error);
  process.stderr.write(`captionhub: ${message}\n`);
  process.exit(1);
});
