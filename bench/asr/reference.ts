// Child process: @huggingface/transformers on the same file and model with the same thread count.
// 1. Its automatic-speech-recognition pipeline over the whole file (30 s chunks, 5 s stride,
//    timestamps, greedy): the end-to-end peer.
// 2. Its Whisper generate() on CaptionHub's own speech windows: the same inputs as the engine,
//    so that the tokens can be compared one for one.
import { basename, dirname } from 'node:path';
import { AutoProcessor, env, pipeline, WhisperForConditionalGeneration } from '@huggingface/transformers';
import { decodeAudio, SAMPLE_RATE } from '../../worker/pipeline/audio.js';
import { peakRssMb } from '../lib/memory.js';

export interface ReferenceRequest {
  file: string;
  modelDir: string;
  threads: number;
  language: string;
  windows: { start: number; end: number }[];
  promptLength: number;
}

process.on('message', async ({ request }: { request: ReferenceRequest }) => {
  try {
    env.allowRemoteModels = false;
    env.localModelPath = dirname(request.modelDir) + '/';
    const name = basename(request.modelDir);
    const sessionOptions = { session_options: { intraOpNumThreads: request.threads, interOpNumThreads: 1 } };
    const transcriber = await pipeline('automatic-speech-recognition', name, { dtype: 'fp32', device: 'cpu', ...sessionOptions });

    const started = performance.now();
    const { samples } = await decodeAudio(request.file);
    const decoded = performance.now();
    const output = (await transcriber(samples, { chunk_length_s: 30, stride_length_s: 5, return_timestamps: true, language: request.language, task: 'transcribe' })) as { chunks?: unknown[] };
    const finished = performance.now();

    const model = await WhisperForConditionalGeneration.from_pretrained(name, { dtype: 'fp32', device: 'cpu', ...sessionOptions });
    const processor = await AutoProcessor.from_pretrained(name);
    const windowTokens: number[][] = [];
    const windowsStarted = performance.now();
    for (const w of request.windows) {
      const audio = samples.subarray(Math.round(w.start * SAMPLE_RATE), Math.round(w.end * SAMPLE_RATE));
      const inputs = await processor(audio);
      const out = await model.generate({ inputs: inputs.input_features, language: request.language, task: 'transcribe', return_timestamps: true, max_new_tokens: 448 - request.promptLength });
      windowTokens.push(((out as unknown as { tolist(): bigint[][] }).tolist()[0] ?? []).map(Number).slice(request.promptLength));
    }
    const windowsFinished = performance.now();
    process.send!(
      {
        type: 'result',
        result: {
          pipeline_wall_s: (finished - started) / 1000,
          decode_s: (decoded - started) / 1000,
          pipeline_chunks: output.chunks?.length ?? 0,
          same_windows_s: (windowsFinished - windowsStarted) / 1000,
          window_tokens: windowTokens,
          peak_rss_mb: peakRssMb(),
        },
      },
      () => process.exit(0),
    );
  } catch (error) {
    process.send!({ type: 'error', error: String((error as Error).stack ?? error) }, () => process.exit(1));
  }
});
