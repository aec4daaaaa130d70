// The worker's REST API, the one the VideoCaptioner worker offers (seed: "API 对接示例";
// shared/compat/videocaptioner-worker.md): point it at a master or away from one, ask how it is,
// and, standalone, give it tasks directly.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { json, type ErrorRequestHandler } from 'express';
import { z } from 'zod';
import type { Logger } from '../common/logger.js';
import { defaultSubtitlePaths, isAbsolutePath } from '../common/subtitle-paths.js';
import { LinkBusy, type MasterLink } from './master-link.js';
import type { StandaloneTasks } from './standalone-tasks.js';


/** start-subtitize's answers when no task starts, as the VideoCaptioner worker gives them. */
const BUSY = -1;
const INVALID_ARGUMENTS = -2;

const startSchema = z.object({
  video_path: z.string().min(1).refine(isAbsolutePath, { message: 'must be an absolute path' }),
  raw_subtitle_path: z.string().min(1).refine(isAbsolutePath, { message: 'must be an absolute path' }).optional(),
  translated_subtitle_path: z.string().optional(),
  language: z.string().nullable().optional(),
});

export interface WorkerRestServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function serveWorkerRest(
  services: { link: MasterLink; tasks: StandaloneTasks; workerId: string },
  where: { host: string; port: number; /** How long /set-master waits for the master before it answers (it keeps trying after). */ setMasterWaitMs?: number },
  logger: Logger,
): Promise<WorkerRestServer> {
  const setMasterWaitMs = where.setMasterWaitMs ?? 10_000;
  const { link, tasks } = services;
  const app = express();
  app.disable('x-powered-by');
  app.use(json({ limit: '64kb' }));

  const status = () => (link.busy || tasks.busy ? 'busy' : 'idle');

  app.get('/health', (_req, res) => {
    res.json({ success: true, status: 'healthy' });
  });

  app.get('/set-master', async (req, res) => {
    const url = typeof req.query.url === 'string' ? req.query.url : '';
    if (!/^https?:\/\//.test(url)) {
      res.status(400).json({ success: false, message: `url must be the master's hub URL, e.g. http://master:5000/signalrhub; got '${url}'` });
      return;
    }
    const connected = await link.connect(url, setMasterWaitMs);
    res.json(
      connected
        ? { success: true, message: `connected to the master: ${url}`, master_url: url }
        : { success: false, message: `could not reach ${url} within ${setMasterWaitMs / 1000} s; still trying`, master_url: url },
    );
  });

  app.post('/disconnect-master', async (_req, res) => {
    const was = link.masterUrl;
    await link.disconnect();
    res.json({ success: true, message: was ? `disconnected from ${was}` : 'was not connected to a master' });
  });

  app.get('/status', (_req, res) => {
    res.json({
      success: true,
      worker_id: services.workerId,
      is_connected: link.connected,
      master_url: link.masterUrl,
      status: status(),
      current_task: tasks.current,
      master_task_ids: link.runningTaskIds,
    });
  });

  app.post('/api/rpc/start-subtitize', (req, res) => {
    const parsed = startSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      res.json({ success: false, task_id: INVALID_ARGUMENTS, message: `${issue.path.join('.') || 'body'}: ${issue.message}` });
      return;
    }
    const input = parsed.data;
    const defaults = defaultSubtitlePaths(input.video_path);
    const outcome = tasks.start({
      video_path: input.video_path,
      raw_subtitle_path: input.raw_subtitle_path ?? defaults.raw,
      translated_subtitle_path: input.translated_subtitle_path ?? '',
      language: input.language ?? null,
    });
    if ('refused' in outcome) res.json({ success: false, task_id: BUSY, message: outcome.refused });
    else res.json({ success: true, task_id: outcome.taskId, message: 'started' });
  });

  app.post('/api/rpc/stop-subtitize', (req, res) => {
    const taskId = (req.body as { task_id?: unknown } | undefined)?.task_id;
    if (typeof taskId !== 'number') {
      res.json({ success: false, message: 'task_id must be the number start-subtitize answered' });
      return;
    }
    const stopped = tasks.stop(taskId);
    res.json({ success: stopped, message: stopped ? `stopping task ${taskId}` : `task ${taskId} is not running` });
  });

  app.get('/api/rpc/get-status', (_req, res) => {
    res.json({ status: status(), current_task: tasks.current, last_task: tasks.lastFinished });
  });

  app.use(((error, _req, res, _next) => {
    if (error instanceof LinkBusy) {
      res.status(409).json({ success: false, message: error.message });
      return;
    }
    if ((error as { type?: string }).type === 'entity.parse.failed') {
      res.status(400).json({ success: false, message: `the body is not valid JSON: ${(error as Error).message}` });
      return;
    }
    logger.error('worker REST request failed', { error: (error as Error).stack ?? String(error) });
    res.status(500).json({ success: false, message: 'internal error; see the worker log' });
  }) as ErrorRequestHandler);

  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${where.host.includes(':') ? `[${where.host}]` : where.host}:${port}`;
  logger.info('worker REST API listening', { url });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
