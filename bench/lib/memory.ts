import { readFileSync } from 'node:fs';

/** This process's peak resident memory in MB (Linux VmHWM; the current RSS elsewhere). */
export function peakRssMb(): number {
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    if (Number.isFinite(kb) && kb > 0) return kb / 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss / 2 ** 20;
}
