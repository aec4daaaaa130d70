// npm run bench:asr — CaptionHub's engine against @huggingface/transformers on ~10 minutes of
// generated speech with pauses, on the tiny test model, with the same thread count; and audio
// decoding against plain `ffmpeg -f f32le` to a pipe. Each engine runs in its own process so that
// peak memory is its own.
// Options: --seconds 600 --threads 2 --provider cpu|cuda|webgpu --runs 3 --no-readme
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { audioTools, decodeAudio } from '../../worker/pipeline/audio.js';
import { tinyWhisper } from '../../test/helpers/tiny-whisper.js';
import { nextMessage, startChild } from '../lib/ipc.js';
import { machineInfo, markdownTable, updateReadmeTable, writeResults } from '../lib/report.js';
import { round } from '../lib/stats.js';
import { benchMedia } from './media.js';
import type { OursRequest } from './ours.js';
import type { ReferenceRequest } from './reference.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    threads: { type: 'string', default: '2' },
    provider: { type: 'string', default: 'cpu' },
    runs: { type: 'string', default: '3' },
    'no-readme': { type: 'boolean', default: false },
    name: { type: 'string', default: 'asr' },
  },
});
const threads = Number(values.threads);
const runs = Number(values.runs);
const { file, seconds } = benchMedia(Number(values.seconds));
const modelDir = tinyWhisper();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Plain ffmpeg to a pipe, the bytes gathered in memory: the floor for decoding. */
function rawFfmpeg(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(audioTools().ffmpegPath, ['-v', 'error', '-i', file, '-vn', '-ac', '1', '-ar', '16000', '-f', 'f32le', 'pipe:1']);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

async function ours(): Promise<number> {
  const started = performance.now();
  await decodeAudio(file);
  return (performance.now() - started) / 1000;
}

// Decoding: alternate the two so that drift in the machine's load hits both.
const decodeRuns = { ours: [] as number[], ffmpeg: [] as number[] };
for (let i = 0; i < Math.max(3, runs); i++) {
  decodeRuns.ffmpeg.push(await rawFfmpeg());
  decodeRuns.ours.push(await ours());
}
const decode = { ours_s: round(median(decodeRuns.ours), 3), ffmpeg_s: round(median(decodeRuns.ffmpeg), 3), ratio: round(median(decodeRuns.ours) / median(decodeRuns.ffmpeg), 3) };
console.log('decode', JSON.stringify(decode));

interface OursResult {
  provider: string;
  wall_s: number;
  decode_s: number;
  transcribe_s: number;
  windows: { start: number; end: number; tokens: number[] }[];
  segments: number;
  peak_rss_mb: number;
}
interface ReferenceResult {
  pipeline_wall_s: number;
  decode_s: number;
  pipeline_chunks: number;
  same_windows_s: number;
  window_tokens: number[][];
  peak_rss_mb: number;
}

async function runChild<T>(script: string, request: unknown): Promise<T> {
  const child = startChild(script);
  child.send({ request });
  return (await nextMessage<{ result: T }>(child, 'result')).result;
}

const oursRuns: OursResult[] = [];
const referenceRuns: ReferenceResult[] = [];
for (let i = 0; i < runs; i++) {
  const mine = await runChild<OursResult>('bench/asr/ours.ts', { file, modelDir, threads, language: 'en', provider: values.provider as OursRequest['provider'] } satisfies OursRequest);
  oursRuns.push(mine);
  console.log('captionhub', round(mine.wall_s, 2), 's', mine.windows.length, 'windows', mine.provider);
  const theirs = await runChild<ReferenceResult>('bench/asr/reference.ts', {
    file,
    modelDir,
    threads,
    language: 'en',
    windows: mine.windows.map(({ start, end }) => ({ start, end })),
    promptLength: 3,
  } satisfies ReferenceRequest);
  referenceRuns.push(theirs);
  console.log('transformers.js', round(theirs.pipeline_wall_s, 2), 's pipeline,', round(theirs.same_windows_s, 2), 's on the same windows');
}

const best = <T>(list: T[], key: (x: T) => number) => [...list].sort((a, b) => key(a) - key(b))[Math.floor(list.length / 2)]!;
const o = best(oursRuns, (r) => r.wall_s);
const r = best(referenceRuns, (x) => x.pipeline_wall_s);
const tokensEqual = oursRuns.every((run, i) => run.windows.every((w, j) => JSON.stringify(w.tokens) === JSON.stringify(referenceRuns[i]!.window_tokens[j])));
const sameWindowsOurs = median(oursRuns.map((x) => x.transcribe_s));
const sameWindowsRef = median(referenceRuns.map((x) => x.same_windows_s));
const results = {
  benchmark: 'asr',
  media: { file: file.replace(/^.*bench\//, 'bench/'), seconds },
  settings: { threads, provider: values.provider, model: 'tiny random Whisper (npm run test-model), fp32', runs, temperatures: [0] },
  machine: machineInfo(),
  decode: { ...decode, goal_within_10pct: decode.ratio <= 1.1 },
  end_to_end: {
    captionhub: { wall_s: round(o.wall_s, 3), rtf: round(o.wall_s / seconds, 4), decode_s: round(o.decode_s, 3), windows: o.windows.length, peak_rss_mb: round(o.peak_rss_mb, 1), provider: o.provider },
    transformers_pipeline: { wall_s: round(r.pipeline_wall_s, 3), rtf: round(r.pipeline_wall_s / seconds, 4), decode_s: round(r.decode_s, 3), chunks: r.pipeline_chunks, peak_rss_mb: round(r.peak_rss_mb, 1) },
    speedup: round(r.pipeline_wall_s / o.wall_s, 2),
  },
  same_windows: {
    windows: o.windows.length,
    captionhub_s: round(sameWindowsOurs, 3),
    transformers_generate_s: round(sameWindowsRef, 3),
    speedup: round(sameWindowsRef / sameWindowsOurs, 2),
    tokens_equal: tokensEqual,
  },
  notes: [
    'End to end: file in, timed text out. CaptionHub: ffmpeg decode, Silero VAD, speech windows batched through encoder and decoder. transformers.js: the same decode, then its automatic-speech-recognition pipeline with chunk_length_s 30, stride_length_s 5, return_timestamps, greedy.',
    "Same windows: transformers.js' Whisper generate() run on CaptionHub's speech windows, greedy with timestamps, one window at a time; its tokens compared with the engine's for every window. captionhub_s there is the engine's whole transcription (VAD included).",
  ],
};
console.log(JSON.stringify(results, null, 2));
console.log(`wrote ${writeResults(values.name, results)}`);
if (!values['no-readme'] && values.name === 'asr') {
  updateReadmeTable(
    'asr',
    markdownTable(
      ['measure', 'CaptionHub', 'transformers.js', 'ratio'],
      [
        [`wall time, ${Math.round(seconds / 60)} min of media (RTF)`, `${results.end_to_end.captionhub.wall_s} s (${results.end_to_end.captionhub.rtf})`, `${results.end_to_end.transformers_pipeline.wall_s} s (${results.end_to_end.transformers_pipeline.rtf})`, `${results.end_to_end.speedup}× faster`],
        [`same ${o.windows.length} speech windows, tokens equal: ${tokensEqual ? 'yes' : 'NO'}`, `${results.same_windows.captionhub_s} s`, `${results.same_windows.transformers_generate_s} s`, `${results.same_windows.speedup}× faster`],
        ['peak memory (process RSS)', `${results.end_to_end.captionhub.peak_rss_mb} MB`, `${results.end_to_end.transformers_pipeline.peak_rss_mb} MB`, ''],
        ['audio decode vs plain `ffmpeg -f f32le` to a pipe', `${decode.ours_s} s`, `ffmpeg ${decode.ffmpeg_s} s`, `${decode.ratio}×`],
      ],
    ),
  );
}
