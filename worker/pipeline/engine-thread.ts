// The inference thread: ONNX sessions block the thread that runs them, so VAD, features, encoder
// and decoder live here while the main thread keeps the hub's heartbeats and progress flowing.
import { parentPort, type TransferListItem } from 'node:worker_threads';
import { createLogger, type LogLevel } from '../../common/logger.js';
import type { FromThread, ToThread } from './engine-protocol.js';
import { TranscriptionCancelled, WhisperTranscriber } from './whisper/transcriber.js';

const port = parentPort!;
const send = (message: FromThread, transfer?: TransferListItem[]) => port.postMessage(message, transfer ?? []);
let transcriber: WhisperTranscriber | null = null;
let queue = Promise.resolve();

port.on('message', (message: ToThread) => {
  // One job at a time: a second waits for the first, in order.
  queue = queue.then(() => handle(message));
});

async function handle(message: ToThread): Promise<void> {
  if (message.type === 'load') {
    // A worker thread's stderr reaches the process's own stderr: the thread logs there directly.
    const logger = createLogger('engine', message.request.logLevel ? { level: message.request.logLevel as LogLevel } : {});
    try {
      transcriber = await WhisperTranscriber.load(message.request.modelDir, message.request, logger);
      send({
        type: 'loaded',
        info: {
          provider: transcriber.provider,
          skipped: transcriber.encoderSession.skipped,
          defaultBatchSize: transcriber.defaultBatchSize(),
          multilingual: transcriber.config.isMultilingual,
          numMelBins: transcriber.config.numMelBins,
        },
      });
    } catch (error) {
      send({ type: 'load-failed', error: (error as Error).message });
    }
    return;
  }
  const { id, samples, options, cancelFlag } = message;
  if (!transcriber) {
    send({ type: 'failed', id, error: 'The engine has no model loaded.', cancelled: false });
    return;
  }
  try {
    const result = await transcriber.transcribe(samples, {
      ...options,
      stopped: () => Atomics.load(cancelFlag, 0) === 1,
      onProgress: (progress) => send({ type: 'progress', id, progress }),
    });
    send({ type: 'done', id, result });
  } catch (error) {
    send({ type: 'failed', id, error: (error as Error).message, cancelled: error instanceof TranscriptionCancelled });
  }
}
