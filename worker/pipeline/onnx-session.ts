import { cpus } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../common/logger.js';

export type ExecutionProvider = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';

/** What each platform offers, best first; the CPU always ends the list. */
export function defaultProviders(platform: NodeJS.Platform = process.platform, arch: string = process.arch): ExecutionProvider[] {
  if (platform === 'linux' && arch === 'x64') return ['cuda', 'cpu'];
  if (platform === 'win32') return ['dml', 'cpu'];
  if (platform === 'darwin') return ['coreml', 'cpu'];
  return ['cpu'];
}

export interface SessionRequest {
  /** Providers to try in order; CPU is appended when missing. */
  providers?: ExecutionProvider[];
  /** Intra-op threads for the CPU provider; all cores by default. */
  threads?: number;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: ExecutionProvider;
  /** Why each provider before the chosen one was passed over. */
  skipped: { provider: ExecutionProvider; reason: string }[];
}

function sessionOptions(provider: ExecutionProvider, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
}

/**
 * Opens a model on the first provider that can really run it: creating a session is the only
 * reliable test (CUDA's libraries are found, or not, only then). Each refusal is logged with its
 * reason, and the CPU provider is the last resort.
 */
export async function openSession(path: string, request: SessionRequest, logger: Logger): Promise<OpenedSession> {
  const providers = [...(request.providers ?? defaultProviders())];
  if (!providers.includes('cpu')) providers.push('cpu');
  const threads = request.threads ?? Math.max(1, cpus().length);
  const skipped: OpenedSession['skipped'] = [];
  // A provider whose libraries are missing makes onnxruntime print its own error; ours says it once.
  ort.env.logLevel = 'fatal';
  for (const provider of providers) {
    try {
      const session = await ort.InferenceSession.create(path, sessionOptions(provider, threads));
      if (skipped.length > 0) {
        logger.info(`running on ${provider}`, { model: path, skipped: skipped.map((s) => `${s.provider}: ${s.reason}`).join('; ') });
      }
      return { session, provider, skipped };
    } catch (error) {
      const reason = firstLine((error as Error).message);
      skipped.push({ provider, reason });
      if (provider !== 'cpu') logger.debug(`${provider} provider unavailable, trying the next`, { model: path, reason });
      else throw new Error(`Cannot open ${path} on any execution provider: ${skipped.map((s) => `${s.provider}: ${s.reason}`).join('; ')}`);
    }
  }
  throw new Error('unreachable');
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 300);
}
