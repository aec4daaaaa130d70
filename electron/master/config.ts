import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { defaultDataDir } from '../../common/app-paths.js';
import { HUB_PATH } from '../../common/hub-contract.js';

/** Everything the master needs, resolved once: defaults < config file < environment < flags. */
export interface MasterConfig {
  host: string;
  port: number;
  hubPath: string;
  dataDir: string;
  /** Bearer token every hub and API client must present; none means open (fine on 127.0.0.1). */
  token: string | undefined;
  maxMessageSize: number;
  scheduler: {
    maxRetries: number;
    /** Seconds a task may run before it is stopped and retried. */
    taskTimeout: number;
    /** Seconds without a message before a worker counts as offline. */
    workerTimeout: number;
  };
}

/** The config file's shape: the seed's example plus a few keys of ours, all optional. */
const configFileSchema = z
  .object({
    signalr: z
      .object({
        hub_url: z.string().startsWith('/').optional(),
        port: z.number().int().min(0).max(65535).optional(),
        host: z.string().min(1).optional(),
        token: z.string().min(1).optional(),
        max_message_size: z.number().int().min(1024).optional(),
      })
      .strict()
      .optional(),
    scheduler: z
      .object({
        max_retries: z.number().int().min(0).optional(),
        task_timeout: z.number().positive().optional(),
        worker_timeout: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    data_dir: z.string().min(1).optional(),
  })
  .strict();
export type MasterConfigFile = z.infer<typeof configFileSchema>;

export interface MasterFlags {
  port?: string;
  host?: string;
  data?: string;
  config?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function defaultMasterConfig(env: NodeJS.ProcessEnv = process.env): MasterConfig {
  return {
    host: '127.0.0.1',
    port: 5000,
    hubPath: HUB_PATH,
    dataDir: defaultDataDir(env),
    token: undefined,
    maxMessageSize: 32 * 1024,
    scheduler: { maxRetries: 3, taskTimeout: 3600, workerTimeout: 60 },
  };
}

export function loadConfigFile(path: string): MasterConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Config file ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export function resolveMasterConfig(flags: MasterFlags = {}, env: NodeJS.ProcessEnv = process.env): MasterConfig {
  const config = defaultMasterConfig(env);
  const configPath = flags.config ?? env.CAPTIONHUB_CONFIG;
  if (configPath) applyFile(config, loadConfigFile(configPath));

  if (env.PORT) config.port = parsePort(env.PORT, 'PORT');
  if (env.RPC_HOST) config.host = env.RPC_HOST;
  if (env.SIGNALR_HUB) config.hubPath = parseHubPath(env.SIGNALR_HUB, 'SIGNALR_HUB');
  if (env.CAPTIONHUB_TOKEN) config.token = env.CAPTIONHUB_TOKEN;
  if (env.CAPTIONHUB_DATA) config.dataDir = resolve(env.CAPTIONHUB_DATA);

  if (flags.port !== undefined) config.port = parsePort(flags.port, '--port');
  if (flags.host !== undefined) config.host = flags.host;
  if (flags.data !== undefined) config.dataDir = resolve(flags.data);
  return config;
}

function applyFile(config: MasterConfig, file: MasterConfigFile): void {
  const s = file.signalr ?? {};
  if (s.hub_url !== undefined) config.hubPath = parseHubPath(s.hub_url, 'signalr.hub_url');
  if (s.port !== undefined) config.port = s.port;
  if (s.host !== undefined) config.host = s.host;
  if (s.token !== undefined) config.token = s.token;
  if (s.max_message_size !== undefined) config.maxMessageSize = s.max_message_size;
  const sch = file.scheduler ?? {};
  if (sch.max_retries !== undefined) config.scheduler.maxRetries = sch.max_retries;
  if (sch.task_timeout !== undefined) config.scheduler.taskTimeout = sch.task_timeout;
  if (sch.worker_timeout !== undefined) config.scheduler.workerTimeout = sch.worker_timeout;
  if (file.data_dir !== undefined) config.dataDir = resolve(file.data_dir);
}

function parsePort(value: string, source: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535) throw new ConfigError(`${source} must be a port number 0-65535, got '${value}'.`);
  return port;
}

function parseHubPath(value: string, source: string): string {
  // Accept a full URL (as in the seed's hub_url) and keep only its path.
  const path = /^[a-z]+:\/\//i.test(value) ? new URL(value).pathname : value;
  if (!path.startsWith('/')) throw new ConfigError(`${source} must be a path starting with '/', got '${value}'.`);
  return path.replace(/\/+$/, '') || HUB_PATH;
}
