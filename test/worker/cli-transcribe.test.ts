// `captionhub transcribe` as a user runs it, in a child process, with the tiny model.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseSrt } from '../../worker/pipeline/subtitles.js';
import { mediaDir, speechWithPauses } from '../helpers/media.js';
import { runCli } from '../helpers/process.js';
import { tinyWhisper } from '../helpers/tiny-whisper.js';

test('writes FILE.srt next to the media with plain progress lines when not on a terminal', async () => {
  const dir = mediaDir();
  const { file } = speechWithPauses(dir, [['The command line makes subtitles too.', 1]], 1, 'cli.wav');
  const cli = runCli(['transcribe', file, '--model', tinyWhisper(), '--language', 'English', '--threads', '1'], { CAPTIONHUB_PROVIDERS: 'cpu', CAPTIONHUB_DATA: dir });
  const { code } = await cli.exited;
  assert.equal(code, 0, cli.output());
  const out = join(dir, 'cli.srt');
  assert.ok(parseSrt(readFileSync(out, 'utf8')).length > 0);
  assert.match(cli.output(), /^0% transcribing$/m);
  assert.match(cli.output(), /^100% \w+$/m);
  assert.match(cli.output(), new RegExp(`\\d+ cues \\(en\\) on cpu: ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
});

test('bad input: a clear message and a non-zero exit', async () => {
  const dir = mediaDir();
  const missing = runCli(['transcribe', join(dir, 'nope.mp4'), '--model', tinyWhisper()], { CAPTIONHUB_PROVIDERS: 'cpu' });
  assert.equal((await missing.exited).code, 1);
  assert.match(missing.output(), /captionhub: File not found: .*nope\.mp4/);
  const task = runCli(['transcribe', join(dir, 'x.mp4'), '--task', 'summarise']);
  assert.equal((await task.exited).code, 1);
  assert.match(task.output(), /--task must be transcribe or translate, got 'summarise'/);
  const language = runCli(['transcribe', join(dir, 'x.mp4'), '--model', tinyWhisper(), '--language', 'Klingon'], { CAPTIONHUB_PROVIDERS: 'cpu' });
  assert.equal((await language.exited).code, 1);
  assert.match(language.output(), /Unknown language 'Klingon'/);
  assert.ok(!existsSync(join(dir, 'x.srt')));
});
