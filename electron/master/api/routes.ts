import { Router, json, type Request, type RequestHandler } from 'express';
import type { BearerAuth } from '../signalr/auth.js';
import type { WorkerRegistry } from '../registry.js';
import type { Scheduler } from '../scheduler.js';
import type { TaskStore } from '../store/task-store.js';
import { HttpError } from './http-errors.js';
import type { MetricsSource } from './metrics.js';
import { AlreadyAdding, ConnectTimeout, defaultWorkerId, isVideoCaptioner, type VideoCaptionerFleet } from '../videocaptioner/fleet.js';
import { VideoCaptionerError } from '../videocaptioner/rest-api.js';
import { addWorkerSchema, listQuerySchema, newTaskBatchSchema, newTaskSchema, parseOrThrow, parseTaskId, toNewTask } from './task-input.js';

/** How long an added VideoCaptioner worker has to connect to the hub. */
const ADD_WORKER_TIMEOUT_MS = 15_000;

export interface ApiServices {
  store: TaskStore;
  scheduler: Scheduler;
  registry: WorkerRegistry;
  metrics: MetricsSource;
  auth: BearerAuth;
  videoCaptioner: VideoCaptionerFleet;
  hubPath: string;
}

/** The REST API under /api: the seed's routes plus what a UI needs. */
export function createApiRouter(services: ApiServices): Router {
  const { store, scheduler, registry, metrics, auth } = services;
  const router = Router();
  if (auth.enabled) router.use(requireToken(auth));
  // A batch of MAX_TASKS_PER_REQUEST tasks with long paths and every optional field.
  const batchBody = json({ limit: '16mb' });

  // One task, or {"tasks": [...]} for many at once (all stored or none): 201 either way.
  router.post('/tasks', batchBody, async (req, res) => {
    if (isBatch(req.body)) {
      const { tasks: inputs } = parseOrThrow(newTaskBatchSchema, req.body, 'the request body');
      const tasks = scheduler.enqueueMany(inputs.map(toNewTask));
      await store.durable();
      res.status(201).json({ tasks });
      return;
    }
    const input = parseOrThrow(newTaskSchema, req.body, 'the request body');
    const task = scheduler.enqueue(toNewTask(input));
    await store.durable();
    res.status(201).json(task);
  });

  router.get('/tasks', (req, res) => {
    const query = parseOrThrow(listQuerySchema, req.query, 'the query');
    const { tasks, total } = store.list(query);
    res.json({ tasks, total, limit: query.limit, offset: query.offset });
  });

  router.get('/tasks/:id', (req, res) => {
    res.json(taskOr404(store, req));
  });

  router.get('/tasks/:id/events', (req, res) => {
    const task = taskOr404(store, req);
    res.json({ events: store.events(task.task_id) });
  });

  router.delete('/tasks/:id', async (req, res) => {
    const outcome = scheduler.cancel(parseTaskId(req.params.id));
    if (outcome.kind === 'not_found') throw new HttpError(404, `task ${req.params.id} does not exist`);
    if (outcome.kind === 'finished') throw new HttpError(409, `task ${req.params.id} is already ${outcome.task.status}`);
    await store.durable();
    res.json(outcome.task);
  });

  router.post('/tasks/:id/retry', async (req, res) => {
    const outcome = scheduler.retry(parseTaskId(req.params.id));
    if (outcome.kind === 'not_found') throw new HttpError(404, `task ${req.params.id} does not exist`);
    if (outcome.kind === 'unfinished') throw new HttpError(409, `task ${req.params.id} is ${outcome.task.status}; only finished tasks can be retried`);
    await store.durable();
    res.json(outcome.task);
  });

  router.get('/workers', (_req, res) => {
    res.json({ workers: registry.all().map((w) => registry.toJson(w)) });
  });

  // Adds a VideoCaptioner (Python) worker by its REST endpoint: it is told to connect to this hub.
  router.post('/workers', json({ limit: '16kb' }), async (req, res) => {
    const input = parseOrThrow(addWorkerSchema, req.body, 'the request body');
    const workerId = input.worker_id ?? defaultWorkerId(input.endpoint);
    const existing = registry.get(workerId);
    if (existing && !isVideoCaptioner(existing)) throw new HttpError(409, `worker '${workerId}' is already a hub worker; pick another worker_id`);
    const hubUrl = input.master_url ?? `${req.protocol}://${req.get('host')}${services.hubPath}`;
    if (!input.master_url && isLoopback(new URL(hubUrl).hostname) && !isLoopback(new URL(input.endpoint).hostname)) {
      throw new HttpError(400, `this master was addressed as ${new URL(hubUrl).host}, which ${input.endpoint} cannot reach: give master_url, e.g. http://<this machine's LAN address>:${new URL(hubUrl).port || 80}${services.hubPath}`);
    }
    try {
      await services.videoCaptioner.add(workerId, input.endpoint, hubUrl, ADD_WORKER_TIMEOUT_MS);
    } catch (error) {
      if (error instanceof AlreadyAdding) throw new HttpError(409, error.message);
      if (error instanceof ConnectTimeout) throw new HttpError(504, error.message);
      if (error instanceof VideoCaptionerError) throw new HttpError(502, error.message);
      throw error;
    }
    res.status(201).json(registry.toJson(registry.get(workerId)!));
  });

  router.get('/workers/:id', (req, res) => {
    const worker = registry.get(req.params.id);
    if (!worker) throw new HttpError(404, `worker '${req.params.id}' is not known`);
    res.json(registry.toJson(worker));
  });

  router.get('/queue', (_req, res) => {
    res.json({ paused: scheduler.paused, ...store.countByStatus() });
  });

  router.post('/queue/pause', (_req, res) => {
    scheduler.pause();
    res.json({ paused: true });
  });

  router.post('/queue/resume', (_req, res) => {
    scheduler.resume();
    res.json({ paused: false });
  });

  router.get('/metrics', (_req, res) => {
    res.json(metrics.snapshot());
  });

  return router;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || hostname.startsWith('127.');
}

function isBatch(body: unknown): body is { tasks: unknown } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'tasks' in body;
}

function taskOr404(store: TaskStore, req: Request) {
  const id = parseTaskId(req.params.id as string | undefined);
  const task = store.get(id);
  if (!task) throw new HttpError(404, `task ${id} does not exist`);
  return task;
}

function requireToken(auth: BearerAuth): RequestHandler {
  return (req, _res, next) => {
    if (!auth.isAuthorized(req, new URL(req.originalUrl, 'http://localhost'))) {
      throw new HttpError(401, 'Unauthorized: a valid bearer token is required.');
    }
    next();
  };
}
