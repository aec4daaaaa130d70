import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTinyWhisper, type TinyWhisperOptions } from '../tiny-whisper/generate.js';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

/**
 * The tiny random Whisper for tests, generated on first use (a second) into test/fixtures.
 * Written aside and renamed into place, so test files running in parallel never see half a model.
 */
export function tinyWhisper(options: TinyWhisperOptions & { name?: string } = {}): string {
  const dir = join(FIXTURES, options.name ?? (options.v3 ? 'tiny-whisper-v3' : 'tiny-whisper'));
  if (existsSync(join(dir, 'onnx', 'decoder_model_merged.onnx'))) return dir;
  mkdirSync(FIXTURES, { recursive: true });
  const staging = mkdtempSync(join(FIXTURES, '.staging-'));
  writeTinyWhisper(staging, options);
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another process got there first
  }
  return dir;
}

export const fixturesDir = (): string => dirname(tinyWhisper());
