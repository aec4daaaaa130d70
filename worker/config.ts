import { hostname } from 'node:os';
import { join } from 'node:path';
import { defaultDataDir } from '../common/app-paths.js';
import type { ExecutionProvider } from './pipeline/onnx-session.js';
import type { TranslatorSettings } from './pipeline/translate.js';

/** A worker's settings, from the environment (flags override them where the CLI offers one). */
export interface WorkerConfig {
  workerId: string;
  /** The master's hub URL (RPC_MASTER_URL); none runs the worker standalone. */
  masterUrl: string | null;
  token: string | undefined;
  dataDir: string;
  modelsFolder: string;
  /** A model name from the models folder (downloaded when missing) or a folder path. */
  model: string;
  variant: '' | '_fp16' | '_quantized';
  providers: ExecutionProvider[] | undefined;
  threads: number | undefined;
  batchSize: number | undefined;
  translator: TranslatorSettings | null;
  /** Where `captionhub worker` serves its REST API (CAPTIONHUB_WORKER_HOST / _PORT). */
  rest: { host: string; port: number };
}

const PROVIDERS: readonly ExecutionProvider[] = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'];

export class WorkerConfigError extends Error {
  override name = 'WorkerConfigError';
}

export function resolveWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const dataDir = env.CAPTIONHUB_DATA ?? defaultDataDir(env);
  const providers = env.CAPTIONHUB_PROVIDERS?.split(',').map((p) => p.trim().toLowerCase());
  const unknown = providers?.filter((p) => !PROVIDERS.includes(p as ExecutionProvider));
  if (unknown && unknown.length > 0) throw new WorkerConfigError(`CAPTIONHUB_PROVIDERS: unknown provider(s) ${unknown.join(', ')}; use ${PROVIDERS.join(', ')}.`);
  const variant = env.CAPTIONHUB_MODEL_VARIANT ?? '';
  if (!['', 'fp16', 'quantized', '_fp16', '_quantized'].includes(variant)) throw new WorkerConfigError(`CAPTIONHUB_MODEL_VARIANT must be fp16, quantized or empty, got '${variant}'.`);
  return {
    workerId: env.CAPTIONHUB_WORKER_ID ?? `${hostname()}-worker`,
    masterUrl: env.RPC_MASTER_URL ?? null,
    token: env.CAPTIONHUB_TOKEN,
    dataDir,
    modelsFolder: env.CAPTIONHUB_MODELS ?? join(dataDir, 'models'),
    model: env.CAPTIONHUB_MODEL ?? 'small',
    variant: (variant && !variant.startsWith('_') ? `_${variant}` : variant) as WorkerConfig['variant'],
    providers: providers as ExecutionProvider[] | undefined,
    threads: positive(env.CAPTIONHUB_THREADS, 'CAPTIONHUB_THREADS'),
    batchSize: positive(env.CAPTIONHUB_BATCH, 'CAPTIONHUB_BATCH'),
    translator: env.CAPTIONHUB_TRANSLATOR_URL
      ? { baseUrl: env.CAPTIONHUB_TRANSLATOR_URL, model: env.CAPTIONHUB_TRANSLATOR_MODEL ?? 'gpt-4o-mini', ...(env.CAPTIONHUB_TRANSLATOR_KEY && { apiKey: env.CAPTIONHUB_TRANSLATOR_KEY }) }
      : null,
    rest: {
      host: env.CAPTIONHUB_WORKER_HOST ?? '127.0.0.1',
      port: port(env.CAPTIONHUB_WORKER_PORT, 'CAPTIONHUB_WORKER_PORT') ?? 5001,
    },
  };
}

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new WorkerConfigError(`${name} must be a port number (0-65535), got '${value}'.`);
  return n;
}

function positive(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new WorkerConfigError(`${name} must be a positive integer, got '${value}'.`);
  return n;
}
