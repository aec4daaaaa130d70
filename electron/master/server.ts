import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createLogger, type Logger } from '../../common/logger.js';
import { errorHandler, notFound } from './api/http-errors.js';
import { MetricsSource } from './api/metrics.js';
import { createApiRouter } from './api/routes.js';
import type { MasterConfig } from './config.js';
import { defineMasterHub } from './hub.js';
import { WorkerRegistry } from './registry.js';
import { Scheduler } from './scheduler.js';
import { BearerAuth } from './signalr/auth.js';
import { HubDefinition } from './signalr/hub-definition.js';
import { SignalRServer, type SignalRServerOptions } from './signalr/signalr-server.js';
import { openDatabase } from './store/database.js';
import { GroupCommit } from './store/group-commit.js';
import { SettingsStore } from './store/settings-store.js';
import { TaskStore } from './store/task-store.js';
import { WorkerStore } from './store/worker-store.js';
import { defaultUiDir, uiFiles } from './ui-files.js';
import { UiPush } from './ui-push.js';
import { defineVideoCaptionerHub } from './videocaptioner/hub-methods.js';
import { isVideoCaptioner, VideoCaptionerFleet } from './videocaptioner/fleet.js';
import { RoutedWorkerChannel, SignalRWorkerChannel } from './worker-channel.js';
import { WorkerReports } from './worker-reports.js';

export interface Master {
  readonly config: MasterConfig;
  readonly hub: SignalRServer;
  readonly scheduler: Scheduler;
  readonly store: TaskStore;
  /** The base URL the master actually listens on (the port is known after listen when 0 was asked). */
  readonly url: string;
  readonly hubUrl: string;
  stop(): Promise<void>;
}

export interface MasterOptions {
  logger?: Logger;
  /** Overrides of hub timings, for tests that cannot wait 30 s for a timeout. */
  hubOptions?: Partial<SignalRServerOptions>;
  /** How long a worker has to accept StartSubtitize. */
  acceptTimeoutMs?: number;
  /** How long a worker that failed to take a task is passed over. */
  refusalCooldownMs?: number;
  /** How long a VideoCaptioner worker's REST API has to answer; 10 s by default. */
  videoCaptionerTimeoutMs?: number;
  /** How often VideoCaptioner workers without a connection are told where the hub is; 30 s by default. */
  reattachIntervalMs?: number;
  /** The built renderer served at `/`; dist/renderer by default. */
  uiDir?: string;
}

/** Wires the master together: store, registry, scheduler, hub, REST API; resolves once listening. */
export async function createMaster(config: MasterConfig, options: MasterOptions = {}): Promise<Master> {
  const logger = options.logger ?? createLogger('master');
  const db = openDatabase(config.dataDir);
  const commits = new GroupCommit(db, (error) => {
    logger.error('commit failed; the changes of that moment were rolled back', { error: error.message });
  });
  const store = new TaskStore(db, commits);
  const settings = new SettingsStore(db);
  const workerTimeoutMs = config.scheduler.workerTimeout * 1000;
  const taskTimeoutMs = config.scheduler.taskTimeout * 1000;
  const registry = new WorkerRegistry(new WorkerStore(db), workerTimeoutMs);
  if (workerTimeoutMs < 20_000) {
    logger.warn('worker_timeout is shorter than 20 s: idle workers ping only every 10-15 s and may be taken for offline', {
      worker_timeout: config.scheduler.workerTimeout,
    });
  }

  const hubDefinition = new HubDefinition();
  const hub = new SignalRServer(hubDefinition, {
    path: config.hubPath,
    maxMessageSize: config.maxMessageSize,
    accessToken: config.token,
    // Clients ping only in answer to what they receive, so the hub's own keep-alive must come often
    // enough for a healthy worker to be heard well within worker_timeout.
    keepAliveIntervalMs: Math.min(15_000, workerTimeoutMs / 4),
    logger: logger.child('signalr'),
    ...options.hubOptions,
  });
  const hubChannel = new SignalRWorkerChannel(hub.clients, registry, options.acceptTimeoutMs ?? 30_000);
  const videoCaptioner = new VideoCaptionerFleet(logger.child('videocaptioner'), config.token, options.videoCaptionerTimeoutMs);
  const channel = new RoutedWorkerChannel((worker) => (isVideoCaptioner(worker) ? videoCaptioner : hubChannel));
  const scheduler = new Scheduler(
    store,
    registry,
    channel,
    settings,
    { maxRetries: config.scheduler.maxRetries, taskTimeoutMs, refusalCooldownMs: options.refusalCooldownMs ?? 5_000 },
    logger.child('scheduler'),
  );
  const reports = new WorkerReports(store, registry, scheduler, logger.child('hub'));
  defineMasterHub(hubDefinition, reports);
  defineVideoCaptionerHub(hubDefinition, { fleet: videoCaptioner, reports, registry, store, logger: logger.child('videocaptioner') });
  new UiPush(hub.clients, hub.groups, registry, store, scheduler);
  const metrics = new MetricsSource(store, registry, scheduler);

  const app = express();
  app.disable('x-powered-by');
  // API answers change with every call; hashing each body for an ETag only costs time.
  app.set('etag', false);
  // The hub reads raw request bodies itself, so it goes before any body parser.
  app.use(hub.middleware);
  app.get('/health', (_req, res) => {
    res.json({ success: true, status: 'healthy' });
  });
  app.get('/metrics', (_req, res) => {
    res.type('text/plain; version=0.0.4').send(metrics.prometheus());
  });
  app.use('/api', createApiRouter({ store, scheduler, registry, metrics, auth: new BearerAuth(config.token), videoCaptioner, hubPath: config.hubPath }));
  app.use('/api', notFound);
  app.use(uiFiles(options.uiDir ?? defaultUiDir()));
  app.use(errorHandler((message, error) => logger.error(message, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) })));

  const server = createServer(app);
  hub.attach(server);
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    commits.flush();
    db.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;

  const heartbeatMs = Math.max(20, Math.min(1000, workerTimeoutMs / 4, taskTimeoutMs / 4));
  const heartbeat = setInterval(() => scheduler.tick((id) => hub.lastReceivedAt(id)), heartbeatMs);
  heartbeat.unref();
  // VideoCaptioner workers stop retrying on their own after about 47 s: remind the lost ones where the hub is.
  const reattach = setInterval(() => void videoCaptioner.reattach(registry.all()), options.reattachIntervalMs ?? 30_000);
  reattach.unref();
  setTimeout(() => void videoCaptioner.reattach(registry.all()), Math.min(2_000, options.reattachIntervalMs ?? 2_000)).unref();
  scheduler.schedule();

  let stopping: Promise<void> | null = null;
  return {
    config,
    hub,
    scheduler,
    store,
    url,
    hubUrl: `${url}${config.hubPath}`,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(heartbeat);
        clearInterval(reattach);
        await shutdown(server, hub);
        commits.flush();
        db.close();
      })()),
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
