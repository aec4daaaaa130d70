import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './report.js';

/** Starts a bench script (TypeScript, through tsx) as a child process with an IPC channel. */
export function startChild(script: string, stdio: 'inherit' | 'ignore' = 'inherit'): ChildProcess {
  return fork(join(ROOT, script), [], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_CHILD_ARGS?.split(' ').filter(Boolean) ?? [])], stdio: [stdio, stdio, stdio, 'ipc'] });
}

/** Resolves with the child's next message of `type`; rejects on an 'error' message or an early exit. */
export function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string; error?: string }) => {
      if (message.type === 'error') {
        cleanup();
        reject(new Error(message.error));
      } else if (message.type === type) {
        cleanup();
        resolve(message as T);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`process exited (${code}) before '${type}'`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Samples this process's RSS and answers {type:'stats'} requests with the peak and CPU seconds used. */
export function answerStatsRequests(): void {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  timer.unref();
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'stats') return;
    const now = process.memoryUsage();
    peak = Math.max(peak, now.rss);
    const cpu = process.cpuUsage();
    process.send!({ type: 'stats', rss_mb: now.rss / 2 ** 20, rss_peak_mb: peak / 2 ** 20, heap_mb: now.heapUsed / 2 ** 20, cpu_s: (cpu.user + cpu.system) / 1e6 });
  });
  process.on('disconnect', () => process.exit(0));
}

export interface ProcessStats {
  rss_mb: number;
  rss_peak_mb: number;
  heap_mb: number;
  cpu_s: number;
}
