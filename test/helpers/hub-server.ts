import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as signalR from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import type { HubDefinition } from '../../electron/master/signalr/hub-definition.js';
import { SignalRServer, type SignalRServerOptions } from '../../electron/master/signalr/signalr-server.js';

export interface RunningHub {
  readonly server: SignalRServer;
  readonly http: Server;
  readonly baseUrl: string;
  readonly hubUrl: string;
  stop(): Promise<void>;
}

/** A bare HTTP server on 127.0.0.1 and a free port, serving only the hub. */
export async function startHub(hub: HubDefinition, options: Partial<SignalRServerOptions> = {}): Promise<RunningHub> {
  const server = new SignalRServer(hub, { path: '/signalrhub', ...options });
  const http = createServer((req, res) => {
    if (!server.handleRequest(req, res)) {
      res.statusCode = 404;
      res.end();
    }
  });
  server.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    server,
    http,
    baseUrl,
    hubUrl: `${baseUrl}/signalrhub`,
    async stop() {
      server.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

export type TransportName = 'WebSockets' | 'ServerSentEvents' | 'LongPolling';
export type ProtocolName = 'json' | 'messagepack';

export interface ClientOptions {
  transport?: TransportName;
  protocol?: ProtocolName;
  accessToken?: string;
  headers?: Record<string, string>;
  skipNegotiation?: boolean;
  reconnectDelays?: number[];
  serverTimeoutMs?: number;
  keepAliveIntervalMs?: number;
}

/** An official @microsoft/signalr client, with one transport forced so that each is exercised on its own. */
export function buildClient(url: string, options: ClientOptions = {}): signalR.HubConnection {
  const transport = signalR.HttpTransportType[options.transport ?? 'WebSockets'];
  const builder = new signalR.HubConnectionBuilder()
    .withUrl(url, {
      transport,
      skipNegotiation: options.skipNegotiation ?? false,
      ...(options.accessToken !== undefined && { accessTokenFactory: () => options.accessToken! }),
      ...(options.headers && { headers: options.headers }),
    })
    .configureLogging(signalR.LogLevel.None);
  if (options.protocol === 'messagepack') builder.withHubProtocol(new MessagePackHubProtocol());
  if (options.reconnectDelays) builder.withAutomaticReconnect(options.reconnectDelays);
  if (options.serverTimeoutMs !== undefined) builder.withServerTimeout(options.serverTimeoutMs);
  if (options.keepAliveIntervalMs !== undefined) builder.withKeepAliveInterval(options.keepAliveIntervalMs);
  return builder.build();
}

export function closed(connection: signalR.HubConnection): Promise<Error | undefined> {
  return new Promise((resolve) => connection.onclose((error) => resolve(error)));
}

/** Polls `check` every 10 ms until it holds, failing after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Reads `read()` until `check` accepts what it gives (a REST answer, say), and returns that. */
export async function untilValue<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await sleep(20);
  }
}
