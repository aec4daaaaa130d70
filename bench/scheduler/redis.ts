import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  readonly port: number;
  /** CPU seconds and resident memory of the redis-server process, from /proc. */
  usage(): { cpu_s: number; rss_mb: number };
  stop(): Promise<void>;
}

/**
 * Starts Debian's redis-server on 127.0.0.1 with an append-only file fsynced every second: each
 * write reaches the OS before Redis answers, the same durability as SQLite's WAL with
 * synchronous=NORMAL on the CaptionHub side.
 */
export async function startRedis(port: number): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'captionhub-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.on('error', (error) => {
    throw new Error(`cannot start redis-server (install Debian's redis-server package): ${error.message}`);
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
  });
  return {
    port,
    usage() {
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const ticks = Number(stat[11]) + Number(stat[12]);
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return { cpu_s: ticks / 100, rss_mb: rssKb / 1024 };
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
