import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createLogger, type Logger } from '../../common/logger.js';
import type { MasterConfig } from './config.js';
import { createMasterHub } from './hub.js';
import { SignalRServer, type SignalRServerOptions } from './signalr/signalr-server.js';

export interface Master {
  readonly config: MasterConfig;
  readonly hub: SignalRServer;
  /** The base URL the master actually listens on (the port is known after listen when 0 was asked). */
  readonly url: string;
  readonly hubUrl: string;
  stop(): Promise<void>;
}

export interface MasterOptions {
  logger?: Logger;
  /** Overrides of hub timings, for tests that cannot wait 30 s for a timeout. */
  hubOptions?: Partial<SignalRServerOptions>;
}

/** Wires the master together: HTTP server, REST routes and the SignalR hub; resolves once listening. */
export async function createMaster(config: MasterConfig, options: MasterOptions = {}): Promise<Master> {
  const logger = options.logger ?? createLogger('master');
  mkdirSync(config.dataDir, { recursive: true });
  const hub = new SignalRServer(createMasterHub(logger.child('hub')), {
    path: config.hubPath,
    maxMessageSize: config.maxMessageSize,
    accessToken: config.token,
    logger: logger.child('signalr'),
    ...options.hubOptions,
  });

  const app = express();
  app.disable('x-powered-by');
  // The hub reads raw request bodies itself, so it goes before any body parser.
  app.use(hub.middleware);
  app.get('/health', (_req, res) => {
    res.json({ success: true, status: 'healthy' });
  });

  const server = createServer(app);
  hub.attach(server);
  await listen(server, config.port, config.host);
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  const hubUrl = `${url}${config.hubPath}`;

  let stopping: Promise<void> | null = null;
  return {
    config,
    hub,
    url,
    hubUrl,
    stop: () => (stopping ??= shutdown(server, hub)),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function shutdown(server: Server, hub: SignalRServer): Promise<void> {
  hub.close({ allowReconnect: true });
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Give Close messages and WebSocket close frames a moment to leave, then cut what remains.
  const grace = setTimeout(() => server.closeAllConnections(), 500);
  await closed;
  clearTimeout(grace);
}
