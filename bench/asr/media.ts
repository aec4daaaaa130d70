// The benchmark's media: about ten minutes of espeak-ng speech with pauses of varying length,
// in an MP4 with a small video track, made once and kept in bench/.tmp.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { audioTools } from '../../worker/pipeline/audio.js';
import { ROOT } from '../lib/report.js';

const SENTENCES = [
  'Welcome back to the channel, today we are looking at how subtitles are made.',
  'The first step is to find where people are speaking and where it is quiet.',
  'Each piece of speech is then turned into text by a neural network.',
  'Timing matters, because a subtitle that arrives late is hard to follow.',
  'Long sentences are split so that they fit on two short lines.',
  'Translation comes last, one group of lines at a time.',
  'All of this runs on your own computer, with no upload at all.',
  'A graphics card makes it faster, but the processor works too.',
  'Let us listen to the next example and see what comes out.',
  'Thank you for watching, and see you in the next video.',
];

export function benchMedia(targetSeconds = 600): { file: string; seconds: number } {
  const dir = join(ROOT, 'bench', '.tmp');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `speech-${targetSeconds}s.mp4`);
  const manifest = `${file}.json`;
  if (existsSync(file) && existsSync(manifest)) return { file, seconds: targetSeconds };
  const tools = audioTools();
  try {
    execFileSync('espeak-ng', ['--version']);
  } catch {
    throw new Error('bench:asr speaks its media with espeak-ng: install it first (apt-get install -y espeak-ng).');
  }
  let state = 7;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const parts: string[] = [];
  let clock = 0;
  for (let i = 0; clock < targetSeconds; i++) {
    const wav = join(dir, `sentence-${i % SENTENCES.length}.wav`);
    if (!existsSync(wav)) execFileSync('espeak-ng', ['-v', 'en', '-s', '155', '-w', wav, SENTENCES[i % SENTENCES.length]!]);
    const speech = Number(execFileSync(tools.ffprobePath, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', wav]).toString());
    const pause = 0.5 + random() * 5.5;
    parts.push(`file '${wav}'`, `outpoint ${speech.toFixed(3)}`);
    const silence = join(dir, `silence-${pause.toFixed(1)}.wav`);
    if (!existsSync(silence)) execFileSync(tools.ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-t', pause.toFixed(1), '-i', 'anullsrc=r=22050:cl=mono', silence]);
    parts.push(`file '${silence}'`);
    clock += speech + Number(pause.toFixed(1));
  }
  const list = join(dir, 'concat.txt');
  writeFileSync(list, parts.join('\n') + '\n');
  execFileSync(tools.ffmpegPath, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'concat', '-safe', '0', '-i', list,
    '-f', 'lavfi', '-i', `testsrc=size=160x120:rate=2:duration=${Math.ceil(clock)}`,
    '-map', '1:v', '-map', '0:a', '-c:v', 'mpeg4', '-c:a', 'aac', '-b:a', '96k', '-ar', '44100', '-ac', '2', '-t', String(targetSeconds),
    file,
  ]);
  writeFileSync(manifest, JSON.stringify({ seconds: targetSeconds }));
  return { file, seconds: targetSeconds };
}
