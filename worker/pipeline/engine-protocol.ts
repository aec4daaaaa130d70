// Messages between the main thread and the inference thread (engine-thread.ts).
import type { ExecutionProvider } from './onnx-session.js';
import type { TranscribeOptions, TranscribeProgress, TranscriptionResult } from './whisper/transcriber.js';

export interface EngineLoadRequest {
  modelDir: string;
  providers?: ExecutionProvider[];
  threads?: number;
  variant?: '' | '_fp16' | '_quantized';
  logLevel?: string;
}

export interface EngineInfo {
  provider: ExecutionProvider;
  skipped: { provider: ExecutionProvider; reason: string }[];
  defaultBatchSize: number;
  multilingual: boolean;
  numMelBins: number;
}

/** Options that cross the thread boundary: no callbacks. */
export type TranscribeJobOptions = Omit<TranscribeOptions, 'stopped' | 'onProgress'>;

export type ToThread =
  | { type: 'load'; request: EngineLoadRequest }
  | { type: 'transcribe'; id: number; samples: Float32Array; options: TranscribeJobOptions; cancelFlag: Int32Array };

export type FromThread =
  | { type: 'loaded'; info: EngineInfo }
  | { type: 'load-failed'; error: string }
  | { type: 'progress'; id: number; progress: TranscribeProgress }
  | { type: 'done'; id: number; result: TranscriptionResult }
  | { type: 'failed'; id: number; error: string; cancelled: boolean };
