// npm run bench:hub — echo throughput and latency over WebSockets, CaptionHub's hub vs socket.io,
// each server in its own process and its official client in another, one stack at a time.
// Each size runs --rounds times, the two stacks alternating which goes first; the round with the
// median throughput is reported for each stack, so one noisy round on this shared machine does not decide.
// Options: --sizes 1,100,1000  --rounds 5  --duration 5  --warmup 1  --payload 128
import { parseArgs } from 'node:util';
import { nextMessage, startChild, type ProcessStats } from '../lib/ipc.js';
import { machineInfo, markdownTable, updateReadmeTable, writeResults } from '../lib/report.js';
import { round } from '../lib/stats.js';
import type { LoadRequest, LoadResult } from './load-client.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,100,1000' },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    payload: { type: 'string', default: '128' },
    'no-readme': { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map(Number);
const durationMs = Number(values.duration) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const payload = 'x'.repeat(Number(values.payload));
const rounds = Number(values.rounds);

type StackResult = LoadResult & { server_rss_peak_mb: number; server_cpu_s: number };

async function measure(kind: LoadRequest['kind'], connections: number): Promise<StackResult> {
  const server = startChild(`bench/hub/${kind === 'signalr' ? 'signalr-server.ts' : 'socketio-server.ts'}`);
  try {
    const { url } = await nextMessage<{ url: string }>(server, 'ready');
    const client = startChild('bench/hub/load-client.ts');
    const request: LoadRequest = { kind, url, connections, warmupMs, durationMs, payload };
    client.send({ type: 'run', request });
    const { result } = await nextMessage<{ result: LoadResult }>(client, 'result');
    server.send({ type: 'stats' });
    const stats = await nextMessage<ProcessStats>(server, 'stats');
    return { ...result, server_rss_peak_mb: stats.rss_peak_mb, server_cpu_s: stats.cpu_s };
  } finally {
    server.kill();
  }
}

const summarize = (r: StackResult) => ({
  ops_s: round(r.ops_s, 0),
  p50_ms: round(r.p50_ms, 3),
  p99_ms: round(r.p99_ms, 3),
  server_rss_peak_mb: round(r.server_rss_peak_mb, 1),
  connect_s: round(r.connect_s, 2),
  server_cpu_s: round(r.server_cpu_s, 2),
  client_cpu_s: round(r.client_cpu_s, 2),
});

function median(runs: StackResult[]): StackResult {
  return [...runs].sort((a, b) => a.ops_s - b.ops_s)[Math.floor(runs.length / 2)]!;
}

const cases = [];
for (const connections of sizes) {
  const runs: Record<LoadRequest['kind'], StackResult[]> = { signalr: [], socketio: [] };
  for (let r = 0; r < rounds; r++) {
    const order: LoadRequest['kind'][] = r % 2 === 0 ? ['signalr', 'socketio'] : ['socketio', 'signalr'];
    for (const kind of order) runs[kind].push(await measure(kind, connections));
  }
  const ours = median(runs.signalr);
  const socketio = median(runs.socketio);
  const entry = {
    connections,
    ours: { ...summarize(ours), rounds_ops_s: runs.signalr.map((r) => round(r.ops_s, 0)) },
    socketio: { ...summarize(socketio), rounds_ops_s: runs.socketio.map((r) => round(r.ops_s, 0)) },
    ratio_ops: round(ours.ops_s / socketio.ops_s, 2),
  };
  cases.push(entry);
  console.log(JSON.stringify(entry));
}

const largest = cases.find((c) => c.connections === 1000);
const goals = {
  ops_at_least_socketio: cases.every((c) => c.ratio_ops >= 1),
  p99_no_worse: cases.every((c) => c.ours.p99_ms <= c.socketio.p99_ms),
  ...(largest && { rss_under_300mb_at_1000: largest.ours.server_rss_peak_mb < 300 }),
};
console.log('goals', JSON.stringify(goals));

const results = {
  benchmark: 'hub',
  goals,
  description: 'Echo invocations over WebSockets: CaptionHub SignalR server + @microsoft/signalr client vs socket.io server + socket.io-client, closed loop per connection',
  settings: { rounds, duration_s: durationMs / 1000, warmup_s: warmupMs / 1000, payload_bytes: payload.length },
  notes: [
    'Both clients run on ws 8: package.json overrides the ws 7 that @microsoft/signalr pins, whose per-frame mask generation (crypto.randomFillSync) cost the client about 5% CPU.',
    'Server and client are separate processes on the same 2-core machine; at 100+ connections both are CPU-bound, so the figures are end to end, not the server alone.',
  ],
  machine: machineInfo(),
  cases,
};
console.log(`wrote ${writeResults('hub', results)}`);

if (!values['no-readme']) {
  updateReadmeTable(
    'hub',
    markdownTable(
      ['connections', 'CaptionHub ops/s', 'socket.io ops/s', 'ratio', 'CaptionHub p50 / p99 ms', 'socket.io p50 / p99 ms', 'CaptionHub server RSS MB'],
      cases.map((c) => [
        c.connections,
        c.ours.ops_s,
        c.socketio.ops_s,
        c.ratio_ops,
        `${c.ours.p50_ms} / ${c.ours.p99_ms}`,
        `${c.socketio.p50_ms} / ${c.socketio.p99_ms}`,
        c.ours.server_rss_peak_mb,
      ]),
    ),
  );
}
