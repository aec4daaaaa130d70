import { z } from 'zod';
import type { Logger } from '../../../common/logger.js';
import type { WorkingState } from '../../../common/task-types.js';
import type { WorkerRegistry } from '../registry.js';
import { param, type HubDefinition } from '../signalr/hub-definition.js';
import type { HubCallerContext } from '../signalr/hub-caller-context.js';
import type { TaskStore } from '../store/task-store.js';
import type { WorkerReports } from '../worker-reports.js';
import { VIDEOCAPTIONER_PROTOCOL, WORKER_ID_QUERY, type VideoCaptionerFleet } from './fleet.js';

/** What a VideoCaptioner worker sends: one object per call, never waiting for an answer. */
export const VideoCaptionerMethods = {
  SubtitizeProgress: 'SubtitizeProgress',
  SubtitizeCompleted: 'SubtitizeCompleted',
  SubtitizeFaulted: 'SubtitizeFaulted',
} as const;
/** Also sent by it, and only logged here. */
const INFORMATIONAL = ['Pong', 'MethodResponse', 'Event', 'Log', 'Progress'] as const;

const progressReport = z.object({
  task_id: z.number().int(),
  current_progress: z.number().min(0).max(10000),
  current_state: z.string(),
  eta: z.string().nullable().optional(),
});
const completedReport = z.object({
  task_id: z.number().int(),
  video_path: z.string().optional(),
  raw_subtitle_path: z.string(),
  translated_subtitle_path: z.string().nullable().optional(),
});
const faultedReport = z.object({ task_id: z.number().int(), video_path: z.string().optional(), fault: z.string() });

/** Its states, mapped onto the working states the master records (it reports 'queued' while preparing). */
const STATES: Record<string, WorkingState> = { queued: 'transcribing', transcribing: 'transcribing', optimizing: 'optimizing', translating: 'translating' };

interface Services {
  fleet: VideoCaptionerFleet;
  reports: WorkerReports;
  registry: WorkerRegistry;
  store: TaskStore;
  logger: Logger;
}

/**
 * Lets the existing VideoCaptioner workers into the fleet: a connection whose hub URL names a worker
 * (`?captionhub_worker=<id>`, set by POST /api/workers) is registered as that worker, and its
 * `Subtitize*` reports, which carry the worker's own task ids, become the master's progress,
 * completions and failures.
 */
export function defineVideoCaptionerHub(hub: HubDefinition, services: Services): HubDefinition {
  const { fleet, reports, registry, logger } = services;
  hub.onConnected((ctx) => adopt(ctx, services));

  hub.method(VideoCaptionerMethods.SubtitizeProgress, [param('report', progressReport)], (ctx, report) => {
    reports.seen(ctx.connectionId);
    const state = STATES[report.current_state];
    const taskId = taskOf(ctx, report.task_id);
    if (state === undefined || taskId === undefined) return;
    return reports.progress(ctx.connectionId, taskId, Math.round(report.current_progress), state);
  });
  hub.method(VideoCaptionerMethods.SubtitizeCompleted, [param('report', completedReport)], (ctx, report) => {
    reports.seen(ctx.connectionId);
    const taskId = taskOf(ctx, report.task_id);
    if (taskId === undefined) return freedFromForeignTask(ctx);
    fleet.finished(registry.workerFor(ctx.connectionId)!.id, report.task_id);
    return reports.completed(ctx.connectionId, taskId, report.raw_subtitle_path, report.translated_subtitle_path || null);
  });
  hub.method(VideoCaptionerMethods.SubtitizeFaulted, [param('report', faultedReport)], (ctx, report) => {
    reports.seen(ctx.connectionId);
    const taskId = taskOf(ctx, report.task_id);
    if (taskId === undefined) return freedFromForeignTask(ctx);
    fleet.finished(registry.workerFor(ctx.connectionId)!.id, report.task_id);
    return reports.failed(ctx.connectionId, taskId, report.fault);
  });
  for (const name of INFORMATIONAL) {
    hub.method(name, [param('payload', z.unknown().optional())], (ctx, payload) => {
      reports.seen(ctx.connectionId);
      logger.debug(`VideoCaptioner ${name}`, { connection: ctx.connectionId, payload: JSON.stringify(payload ?? null).slice(0, 500) });
    });
  }
  return hub;

  /** It was busy with work the master did not give it when it joined: now it is free. */
  function freedFromForeignTask(ctx: HubCallerContext): Promise<void> | undefined {
    const worker = registry.workerFor(ctx.connectionId);
    if (worker?.reportedStatus !== 'busy') return undefined;
    return reports.updateStatus(ctx.connectionId, worker.id, 'idle');
  }

  function taskOf(ctx: HubCallerContext, workerTaskId: number): number | undefined {
    const worker = registry.workerFor(ctx.connectionId);
    const taskId = worker && fleet.taskIdFor(worker, workerTaskId);
    if (taskId === undefined) logger.warn('a VideoCaptioner report about a task the master did not give it', { connection: ctx.connectionId, workerTask: workerTaskId, worker: worker?.id });
    return taskId;
  }
}

/**
 * Registers a connection that names a known VideoCaptioner worker. Its REST status says whether it
 * still runs the task the master gave it before (after a restart of either side); if that cannot
 * be read, its tasks stay with it until worker_timeout or task_timeout decide.
 */
async function adopt(ctx: HubCallerContext, { fleet, reports, registry, store, logger }: Services): Promise<void> {
  const workerId = ctx.query.get(WORKER_ID_QUERY);
  if (!workerId) return;
  const endpoint = registry.get(workerId)?.endpoint ?? fleet.pendingEndpoint(workerId);
  if (!endpoint) {
    logger.warn('a connection names a VideoCaptioner worker the master does not know', { connection: ctx.connectionId, worker: workerId });
    return;
  }
  let running: number[] | undefined;
  let busyElsewhere = false;
  try {
    const status = await fleet.api(workerId, endpoint).status();
    running = [];
    const held = status.videoPath === null ? undefined : store.processing(workerId).find((task) => task.video_path === status.videoPath);
    if (held && status.workerTaskId !== null) {
      fleet.adopt(workerId, status.workerTaskId, held.task_id);
      running.push(held.task_id);
    } else busyElsewhere = status.busy;
  } catch (error) {
    logger.warn('could not read a VideoCaptioner worker status; its tasks stay with it for now', { worker: workerId, error: (error as Error).message });
  }
  await reports.register(ctx.connectionId, workerId, endpoint, {
    gpu_available: false,
    concurrent_tasks: 1,
    protocol: VIDEOCAPTIONER_PROTOCOL,
    ...(running && { current_task_ids: running }),
  });
  if (busyElsewhere) registry.updateStatus(workerId, 'busy');
  fleet.arrived(workerId);
}
