import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../common/logger.js';
import type { EngineInfo, EngineLoadRequest, FromThread, ToThread, TranscribeJobOptions } from './engine-protocol.js';
import { TranscriptionCancelled, type TranscribeProgress, type TranscriptionResult } from './whisper/transcriber.js';

export interface EngineTranscribeOptions extends TranscribeJobOptions {
  signal?: AbortSignal;
  onProgress?: (progress: TranscribeProgress) => void;
}

interface Job {
  resolve(result: TranscriptionResult): void;
  reject(error: Error): void;
  onProgress?: (progress: TranscribeProgress) => void;
}

/** Runs the transcriber on its own thread (see engine-thread.ts); this side only posts messages. */
export class TranscriptionEngine {
  private readonly jobs = new Map<number, Job>();
  private nextId = 0;
  /** Set once the thread is gone: later jobs fail at once instead of waiting for it forever. */
  private dead: Error | null = null;

  private constructor(
    private readonly thread: Worker,
    readonly info: EngineInfo,
  ) {
    thread.on('message', (message: FromThread) => this.onMessage(message));
    thread.on('error', (error) => this.failAll(error));
    thread.on('exit', (code) => this.failAll(new Error(`the inference thread exited (${code})`)));
  }

  static async start(request: EngineLoadRequest, logger: Logger): Promise<TranscriptionEngine> {
    // In development the sources are TypeScript run through tsx (inherited by the thread); built, JavaScript.
    const here = fileURLToPath(import.meta.url);
    const threadFile = here.replace(/engine\.(ts|js)$/, 'engine-thread.$1');
    // Node 20 applies no --import loader hooks to a worker's entry module, so from TypeScript
    // sources the thread starts with a one-line bootstrap that loads its module through tsx.
    const thread = here.endsWith('.ts')
      ? new Worker(`import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(pathToFileURL(threadFile).href)}, { parentURL: ${JSON.stringify(import.meta.url)} }))`, { eval: true })
      : new Worker(threadFile);
    const info = await new Promise<EngineInfo>((resolve, reject) => {
      const onMessage = (message: FromThread) => {
        if (message.type === 'loaded') done(() => resolve(message.info));
        else if (message.type === 'load-failed') done(() => reject(new Error(message.error)));
      };
      const onError = (error: Error) => done(() => reject(error));
      const done = (settle: () => void) => {
        thread.off('message', onMessage);
        thread.off('error', onError);
        settle();
      };
      thread.on('message', onMessage);
      thread.on('error', onError);
      thread.postMessage({ type: 'load', request } satisfies ToThread);
    }).catch(async (error: Error) => {
      await thread.terminate();
      throw error;
    });
    logger.info('engine ready', { provider: info.provider, batch: info.defaultBatchSize });
    return new TranscriptionEngine(thread, info);
  }

  /** Transcribes samples (the buffer is handed over to the thread, not copied). */
  transcribe(samples: Float32Array, options: EngineTranscribeOptions): Promise<TranscriptionResult> {
    const { signal, onProgress, ...jobOptions } = options;
    if (signal?.aborted) return Promise.reject(new TranscriptionCancelled());
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.nextId;
    const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => {
      // The thread stops at its next check; the caller is answered now, whatever the thread does.
      Atomics.store(cancelFlag, 0, 1);
      this.jobs.get(id)?.reject(new TranscriptionCancelled());
      this.jobs.delete(id);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    return new Promise<TranscriptionResult>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject, ...(onProgress && { onProgress }) });
      const message: ToThread = { type: 'transcribe', id, samples, options: jobOptions, cancelFlag };
      this.thread.postMessage(message, [samples.buffer as ArrayBuffer]);
    }).finally(() => signal?.removeEventListener('abort', onAbort));
  }

  async close(): Promise<void> {
    this.dead ??= new Error('the engine is closed');
    await this.thread.terminate();
  }

  private onMessage(message: FromThread): void {
    if (!('id' in message)) return;
    const job = this.jobs.get(message.id);
    if (!job) return;
    if (message.type === 'progress') job.onProgress?.(message.progress);
    else if (message.type === 'done') {
      this.jobs.delete(message.id);
      job.resolve(message.result);
    } else if (message.type === 'failed') {
      this.jobs.delete(message.id);
      job.reject(message.cancelled ? new TranscriptionCancelled() : new Error(message.error));
    }
  }

  private failAll(error: Error): void {
    this.dead ??= error;
    for (const job of this.jobs.values()) job.reject(error);
    this.jobs.clear();
  }
}
