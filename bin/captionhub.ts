#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createLogger } from '../common/logger.js';
import { ConfigError, resolveMasterConfig } from '../electron/master/config.js';
import { createMaster } from '../electron/master/server.js';
import { runTranscribe, TRANSCRIBE_USAGE } from '../worker/cli/transcribe.js';

const USAGE = `Usage: captionhub <command> [options]

Commands:
  master      Run the master: SignalR hub at /signalrhub, task queue, REST API
              --port N      listen port (env PORT, default 5000)
              --host H      listen address (env RPC_HOST, default 127.0.0.1)
              --data DIR    data folder (env CAPTIONHUB_DATA, default the per-user app-data folder)
              --config FILE JSON config shaped as the spec's example
              Auth: set CAPTIONHUB_TOKEN (or signalr.token in the config) to require a bearer token.

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
    },
    strict: true,
  });
  const logger = createLogger('master');
  const config = resolveMasterConfig(values);
  const master = await createMaster(config, { logger });
  logger.info(`CaptionHub master listening on ${master.url}`, { hub: master.hubUrl, data: config.dataDir, auth: config.token ? 'token' : 'none' });

  let signals = 0;
  const stop = (signal: string) => {
    if (++signals > 1) process.exit(1);
    logger.info('stopping', { signal });
    master.stop().then(
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

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'master':
      return runMaster(rest);
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
