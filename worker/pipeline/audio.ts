import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import ffmpeg from 'fluent-ffmpeg';

export const SAMPLE_RATE = 16000;

const require = createRequire(import.meta.url);

export interface AudioTools {
  ffmpegPath: string;
  ffprobePath: string;
}

/** The ffmpeg and ffprobe binaries shipped in npm packages, unless the settings name system ones. */
export function audioTools(overrides: Partial<AudioTools> = {}): AudioTools {
  return {
    ffmpegPath: overrides.ffmpegPath ?? process.env.CAPTIONHUB_FFMPEG ?? (require('@ffmpeg-installer/ffmpeg') as { path: string }).path,
    ffprobePath: overrides.ffprobePath ?? process.env.CAPTIONHUB_FFPROBE ?? (require('@ffprobe-installer/ffprobe') as { path: string }).path,
  };
}

/** A media file that cannot be turned into audio: the message names the file and the cause. */
export class AudioError extends Error {
  override name = 'AudioError';
  constructor(
    readonly file: string,
    readonly reason: 'not_found' | 'no_audio' | 'unreadable' | 'decode_failed' | 'cancelled',
    message: string,
  ) {
    super(message);
  }
}

export interface MediaInfo {
  /** Seconds, from the container or the audio stream; null when neither says. */
  duration: number | null;
  audioCodec: string;
  sampleRate: number | null;
  channels: number | null;
}

/** What ffprobe says of the file's first audio stream. */
export function probe(file: string, tools: AudioTools = audioTools()): Promise<MediaInfo> {
  if (!existsSync(file)) return Promise.reject(new AudioError(file, 'not_found', `File not found: ${file}`));
  if (statSync(file).isDirectory()) return Promise.reject(new AudioError(file, 'unreadable', `${file} is a folder, not a media file.`));
  return new Promise((resolve, reject) => {
    ffmpeg.setFfprobePath(tools.ffprobePath);
    ffmpeg.ffprobe(file, (error, data) => {
      if (error) {
        reject(new AudioError(file, 'unreadable', `${file} is not a media file ffmpeg can read: ${lastLine(String((error as Error).message ?? error))}`));
        return;
      }
      const audio = data.streams.find((s) => s.codec_type === 'audio');
      if (!audio) {
        reject(new AudioError(file, 'no_audio', `${file} has no audio stream (streams: ${data.streams.map((s) => s.codec_type).join(', ') || 'none'}).`));
        return;
      }
      const duration = Number(data.format.duration ?? audio.duration);
      resolve({
        duration: Number.isFinite(duration) && duration > 0 ? duration : null,
        audioCodec: audio.codec_name ?? 'unknown',
        sampleRate: audio.sample_rate ? Number(audio.sample_rate) : null,
        channels: audio.channels ?? null,
      });
    });
  });
}

export interface DecodeOptions {
  tools?: AudioTools;
  signal?: AbortSignal;
  /** Called as samples arrive, with seconds decoded so far and the file's duration. */
  onProgress?: (decodedSeconds: number, totalSeconds: number | null) => void;
}

export interface DecodedAudio {
  samples: Float32Array;
  info: MediaInfo;
}

/**
 * Decodes any container's first audio stream to 16 kHz mono float32, streamed straight from
 * ffmpeg's stdout into one growing buffer: no temporary file. ffprobe runs at the same time, so it
 * costs no wall time; its duration sizes the buffer once it is known, and its diagnosis names the
 * cause when ffmpeg fails.
 */
export async function decodeAudio(file: string, options: DecodeOptions = {}): Promise<DecodedAudio> {
  const tools = options.tools ?? audioTools();
  if (!existsSync(file)) throw new AudioError(file, 'not_found', `File not found: ${file}`);
  if (statSync(file).isDirectory()) throw new AudioError(file, 'unreadable', `${file} is a folder, not a media file.`);
  if (options.signal?.aborted) throw new AudioError(file, 'cancelled', `Decoding ${file} was cancelled.`);

  let info: MediaInfo | null = null;
  let buffer = new Float32Array(60 * SAMPLE_RATE);
  let bytes = 0;
  let pending: Buffer | null = null;
  const ensure = (samples: number) => {
    if (samples <= buffer.length) return;
    const grown = new Float32Array(Math.max(buffer.length * 2, samples));
    grown.set(buffer.subarray(0, bytes / 4));
    buffer = grown;
  };
  const probing = probe(file, tools).then((probed) => {
    info = probed;
    // Size the buffer once, with a little headroom over the container's duration.
    if (probed.duration) ensure(Math.ceil((probed.duration + 1) * SAMPLE_RATE));
    return probed;
  });
  probing.catch(() => {}); // inspected below

  const append = (chunk: Buffer) => {
    const data = pending ? Buffer.concat([pending, chunk]) : chunk;
    const usable = data.length - (data.length % 4);
    pending = usable < data.length ? Buffer.from(data.subarray(usable)) : null;
    const count = usable / 4;
    const at = bytes / 4;
    ensure(at + count);
    // A Float32Array view needs 4-byte alignment; pipe chunks usually have it, otherwise copy once.
    const source = data.byteOffset % 4 === 0 ? data : Uint8Array.prototype.slice.call(data, 0, usable);
    buffer.set(new Float32Array(source.buffer, source.byteOffset, count), at);
    bytes += usable;
    options.onProgress?.(bytes / 4 / SAMPLE_RATE, (info as MediaInfo | null)?.duration ?? null);
  };

  const decoding = new Promise<void>((resolve, reject) => {
    const command = ffmpeg(file)
      .setFfmpegPath(tools.ffmpegPath)
      .noVideo()
      .audioChannels(1)
      .audioFrequency(SAMPLE_RATE)
      .audioCodec('pcm_f32le')
      .format('f32le');
    const onAbort = () => command.kill('SIGKILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let stderrTail = '';
    command.on('stderr', (line: string) => {
      stderrTail = line;
    });
    command.on('error', (error: Error) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(new AudioError(file, 'decode_failed', `ffmpeg could not decode ${file}: ${lastLine(stderrTail || error.message)}`));
    });
    const output = command.pipe();
    output.on('data', append);
    output.on('end', () => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve();
    });
  });

  try {
    await decoding;
  } catch (error) {
    if (options.signal?.aborted) throw new AudioError(file, 'cancelled', `Decoding ${file} was cancelled.`);
    await probing; // ffprobe's reason (no audio stream, not media) is the clearer one
    throw error;
  }
  if (options.signal?.aborted) throw new AudioError(file, 'cancelled', `Decoding ${file} was cancelled.`);
  const probed = await probing;
  return { samples: buffer.subarray(0, bytes / 4), info: probed };
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return (lines.at(-1) ?? text).trim().slice(0, 300);
}
