// Opens N connections with the official client of one stack and runs a closed-loop echo on each.
import * as signalR from '@microsoft/signalr';
import { io, type Socket } from 'socket.io-client';
import { percentile } from '../lib/stats.js';

export interface LoadRequest {
  kind: 'signalr' | 'socketio';
  url: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  payload: string;
}

export interface LoadResult {
  ops: number;
  ops_s: number;
  p50_ms: number;
  p99_ms: number;
  connect_s: number;
  client_cpu_s: number;
}

type Echo = (payload: string) => Promise<unknown>;
interface Client {
  echo: Echo;
  close(): Promise<void> | void;
}

async function openSignalR(url: string): Promise<Client> {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(url, { transport: signalR.HttpTransportType.WebSockets })
    .configureLogging(signalR.LogLevel.None)
    .build();
  await connection.start();
  return { echo: (p) => connection.invoke('Echo', p), close: () => connection.stop() };
}

async function openSocketIo(url: string): Promise<Client> {
  const socket: Socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { echo: (p) => socket.emitWithAck('echo', p), close: () => void socket.close() };
}

async function run(request: LoadRequest): Promise<LoadResult> {
  const open = request.kind === 'signalr' ? openSignalR : openSocketIo;
  const connectStart = performance.now();
  const clients: Client[] = [];
  for (let i = 0; i < request.connections; i += 50) {
    const batch = Math.min(50, request.connections - i);
    clients.push(...(await Promise.all(Array.from({ length: batch }, () => open(request.url)))));
  }
  const connectSeconds = (performance.now() - connectStart) / 1000;

  const measureFrom = performance.now() + request.warmupMs;
  const stopAt = measureFrom + request.durationMs;
  const latencies: number[] = [];
  let ops = 0;
  await Promise.all(
    clients.map(async (client) => {
      for (;;) {
        const t0 = performance.now();
        if (t0 >= stopAt) return;
        const answer = await client.echo(request.payload);
        const t1 = performance.now();
        if (answer !== request.payload) throw new Error('echo returned something else');
        if (t0 >= measureFrom && t1 <= stopAt) {
          ops++;
          latencies.push(t1 - t0);
        }
      }
    }),
  );
  await Promise.all(clients.map((c) => c.close()));
  const cpu = process.cpuUsage();
  return {
    client_cpu_s: (cpu.user + cpu.system) / 1e6,
    ops,
    ops_s: ops / (request.durationMs / 1000),
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    connect_s: connectSeconds,
  };
}

process.on('message', (message: { type: string; request: LoadRequest }) => {
  if (message.type !== 'run') return;
  run(message.request).then(
    (result) => process.send!({ type: 'result', result }, () => process.exit(0)),
    (error: unknown) => process.send!({ type: 'error', error: String((error as Error)?.stack ?? error) }, () => process.exit(1)),
  );
});
