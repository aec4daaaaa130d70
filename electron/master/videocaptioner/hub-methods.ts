import { z } from 'zod';
import type { Logger } from '../../../common/logger.js';
import type { WorkingState } from '../../../common/task-types.js';
import type { WorkerRegistry } from '../registry.js';
import { param, type HubDefinition } from '../signalr/hub-definition.js';
import type { HubCallerContext } from '../signalr/hub-caller-context.js';
import type { TaskStore } from '../store/task-store.js';
import type { WorkerReports } from '../worker-reports.js';
import { isVideoCaptioner, VIDEOCAPTIONER_PROTOCOL, WORKER_ID_QUERY, type VideoCaptionerFleet } from './fleet.js';

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
 * being added or already known as one (`?captionhub_worker=<id>`, set by POST /api/workers) is
 * registered as that worker, and its `Subtitize*` reports, which carry the worker's own task ids,
 * become the master's progress, completions and failures.
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
  hub.method(VideoCaptionerMethods.SubtitizeCompleted, [param('report', completedReport)], async (ctx, report) => {
    reports.seen(ctx.connectionId);
    const taskId = taskOf(ctx, report.task_id);
    await runEnded(ctx, report.task_id);
    if (taskId !== undefined) await reports.completed(ctx.connectionId, taskId, report.raw_subtitle_path, report.translated_subtitle_path || null);
  });
  hub.method(VideoCaptionerMethods.SubtitizeFaulted, [param('report', faultedReport)], async (ctx, report) => {
    reports.seen(ctx.connectionId);
    const taskId = taskOf(ctx, report.task_id);
    await runEnded(ctx, report.task_id);
    if (taskId !== undefined) await reports.failed(ctx.connectionId, taskId, report.fault);
  });
  for (const name of INFORMATIONAL) {
    hub.method(name, [param('payload', z.unknown().optional())], (ctx, payload) => {
      reports.seen(ctx.connectionId);
      logger.debug(`VideoCaptioner ${name}`, { connection: ctx.connectionId, payload: JSON.stringify(payload ?? null).slice(0, 500) });
    });
  }
  return hub;

  /** A run ended: its id is done with, and a worker that joined busy with work of its own is free now. */
  async function runEnded(ctx: HubCallerContext, workerTaskId: number): Promise<void> {
    const worker = registry.workerFor(ctx.connectionId);
    if (!worker) return;
    fleet.retire(worker.id, workerTaskId);
    if (worker.reportedStatus === 'busy') await reports.updateStatus(ctx.connectionId, worker.id, 'idle');
  }

  function taskOf(ctx: HubCallerContext, workerTaskId: number): number | undefined {
    const worker = registry.workerFor(ctx.connectionId);
    const taskId = worker && fleet.taskIdFor(worker.id, workerTaskId);
    if (taskId === undefined) logger.info('a VideoCaptioner report about a run the master did not give it (or that ended) is ignored', { connection: ctx.connectionId, workerTask: workerTaskId, worker: worker?.id });
    return taskId;
  }
}

/**
 * Registers a connection that names a VideoCaptioner worker. Its REST status says whether it still
 * runs a task the master gave it (after either side restarted or the connection dropped); if that
 * cannot be read, its tasks stay with it until worker_timeout or task_timeout decide.
 */
async function adopt(ctx: HubCallerContext, { fleet, reports, registry, store, logger }: Services): Promise<void> {
  const workerId = ctx.query.get(WORKER_ID_QUERY);
  if (!workerId) return;
  const known = registry.get(workerId);
  const pending = fleet.pending(workerId);
  const endpoint = pending?.endpoint ?? (known && isVideoCaptioner(known) ? known.endpoint : undefined);
  const masterUrl = pending?.hubUrl ?? known?.capabilities.master_url;
  if (!endpoint) {
    logger.warn('a connection names a worker that is not a VideoCaptioner worker being added or known; left unregistered', { connection: ctx.connectionId, worker: workerId });
    return;
  }
  let running: number[] | undefined;
  let busyElsewhere = false;
  try {
    const status = await fleet.api(workerId, endpoint).status();
    running = [];
    const taskId =
      (status.workerTaskId !== null ? fleet.knownTask(workerId, status.workerTaskId) : undefined) ??
      (status.videoPath === null ? undefined : store.processing(workerId).find((task) => task.video_path === status.videoPath)?.task_id);
    if (status.busy && taskId !== undefined) {
      fleet.adopt(workerId, status.workerTaskId, taskId);
      running.push(taskId);
    } else busyElsewhere = status.busy;
  } catch (error) {
    logger.warn('could not read a VideoCaptioner worker status; its tasks stay with it for now', { worker: workerId, error: (error as Error).message });
  }
  await reports.register(
    ctx.connectionId,
    workerId,
    endpoint,
    { gpu_available: false, concurrent_tasks: 1, master_url: masterUrl, ...(running && { current_task_ids: running }) },
    { protocol: VIDEOCAPTIONER_PROTOCOL, status: busyElsewhere ? 'busy' : 'idle' },
  );
  fleet.arrived(workerId);
}
