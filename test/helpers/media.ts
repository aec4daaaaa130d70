import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audioTools } from '../../worker/pipeline/audio.js';
import { synthesizeSpeech } from './synth-speech.js';

/** Whether Debian's espeak-ng is installed (.ci/run installs it); without it the tests use a synthetic voice. */
export const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;

/** One utterance as a WAV: spoken by espeak-ng, or, without it, the synthetic voice at a speaking pace. */
function speak(text: string, wav: string, seed: number): void {
  if (hasEspeak) {
    execFileSync('espeak-ng', ['-v', 'en', '-s', '150', '-w', wav, text]);
    return;
  }
  const samples = synthesizeSpeech(Math.max(0.8, text.length * 0.065), seed);
  execFileSync(audioTools().ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'f32le', '-ar', '16000', '-ac', '1', '-i', 'pipe:0', wav], {
    input: Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength),
  });
}

/** Makes media files with the bundled ffmpeg's own generators (lavfi), in a fresh temp folder. */
export function mediaDir(): string {
  return mkdtempSync(join(tmpdir(), 'captionhub-media-'));
}

export function ffmpegGenerate(out: string, args: string[]): string {
  execFileSync(audioTools().ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-y', ...args, out]);
  return out;
}

/** A video (test pattern) with a 440 Hz tone of `seconds` seconds at 44.1 kHz stereo. */
export function videoWithTone(dir: string, seconds: number, name = 'clip.mp4'): string {
  return ffmpegGenerate(join(dir, name), [
    '-f', 'lavfi', '-i', `testsrc=size=160x120:rate=10:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`,
    '-ac', '2', '-c:v', 'mpeg4', '-c:a', 'aac', '-shortest',
  ]);
}

export function videoWithoutAudio(dir: string, seconds: number): string {
  return ffmpegGenerate(join(dir, 'silent.mp4'), ['-f', 'lavfi', '-i', `testsrc=size=160x120:rate=10:duration=${seconds}`, '-c:v', 'mpeg4']);
}

export function toneWav(dir: string, seconds: number, frequency = 440, name = 'tone.wav'): string {
  return ffmpegGenerate(join(dir, name), ['-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=16000:duration=${seconds}`]);
}

/**
 * Speech from Debian's espeak-ng between stretches of silence, as one 16 kHz WAV: `[ [text, silenceAfterSeconds], … ]`.
 * Returns the file and where each utterance lies, in seconds.
 */
export function speechWithPauses(dir: string, parts: [string, number][], leadingSilence = 1, name = 'speech.wav'): { file: string; utterances: { start: number; end: number }[] } {
  const inputs: string[] = [];
  const filters: string[] = [];
  const utterances: { start: number; end: number }[] = [];
  let clock = leadingSilence;
  let index = 0;
  const addSilence = (seconds: number) => {
    inputs.push('-f', 'lavfi', '-t', String(seconds), '-i', 'anullsrc=r=16000:cl=mono');
    filters.push(`[${index++}:a]`);
  };
  addSilence(leadingSilence);
  parts.forEach(([text, pause], i) => {
    const wav = join(dir, `${name}.part${i}.wav`);
    speak(text, wav, i + 1);
    const seconds = Number(execFileSync(audioTools().ffprobePath, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', wav]).toString());
    inputs.push('-i', wav);
    filters.push(`[${index++}:a]`);
    utterances.push({ start: clock, end: clock + seconds });
    clock += seconds;
    if (pause > 0) {
      addSilence(pause);
      clock += pause;
    }
  });
  const out = join(dir, name);
  execFileSync(audioTools().ffmpegPath, [
    '-hide_banner', '-loglevel', 'error', '-y', ...inputs,
    '-filter_complex', `${filters.map((f) => `${f}aresample=16000,aformat=channel_layouts=mono`).map((f, i) => `${f}[s${i}]`).join(';')};${filters.map((_, i) => `[s${i}]`).join('')}concat=n=${filters.length}:v=0:a=1[out]`,
    '-map', '[out]', '-ar', '16000', '-ac', '1', out,
  ]);
  return { file: out, utterances };
}
