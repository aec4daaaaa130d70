// Child process: CaptionHub's engine on the benchmark file, as the worker runs it.
import { silentLogger } from '../../common/logger.js';
import { decodeAudio } from '../../worker/pipeline/audio.js';
import { TranscriptionEngine } from '../../worker/pipeline/engine.js';
import { peakRssMb } from '../lib/memory.js';

export interface OursRequest {
  file: string;
  modelDir: string;
  threads: number;
  language: string;
  provider: 'cpu' | 'cuda' | 'webgpu';
}

process.on('message', async ({ request }: { request: OursRequest }) => {
  try {
    const engine = await TranscriptionEngine.start({ modelDir: request.modelDir, threads: request.threads, providers: [request.provider] }, silentLogger);
    const started = performance.now();
    const { samples } = await decodeAudio(request.file);
    const decoded = performance.now();
    const result = await engine.transcribe(samples, { language: request.language, task: 'transcribe', temperatures: [0] });
    const finished = performance.now();
    await engine.close();
    process.send!(
      {
        type: 'result',
        result: {
          provider: engine.info.provider,
          wall_s: (finished - started) / 1000,
          decode_s: (decoded - started) / 1000,
          transcribe_s: (finished - decoded) / 1000,
          windows: result.windows.map((w) => ({ start: w.start, end: w.end, tokens: w.tokens })),
          segments: result.segments.length,
          peak_rss_mb: peakRssMb(),
        },
      },
      () => process.exit(0),
    );
  } catch (error) {
    process.send!({ type: 'error', error: String((error as Error).stack ?? error) }, () => process.exit(1));
  }
});
