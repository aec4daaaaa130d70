// The hub contract between master and workers, written once (seed: master-worker-architecture.md,
// "Master 实现规约"). Master, worker, renderer and tests all take names and shapes from here.
import { z } from 'zod';

export const HUB_PATH = '/signalrhub';

/** Worker → master hub methods, named exactly as the seed. */
export const WorkerMethods = {
  RegisterWorker: 'RegisterWorker',
  UpdateWorkerStatus: 'UpdateWorkerStatus',
  UpdateTaskProgress: 'UpdateTaskProgress',
  TaskCompleted: 'TaskCompleted',
  TaskFailed: 'TaskFailed',
} as const;

/** Methods the UI calls on the hub. */
export const UiMethods = {
  /** Joins the caller to the "ui" group, which hears TaskUpdated and WorkerUpdated. */
  SubscribeUi: 'SubscribeUi',
} as const;

/** What the master pushes to the "ui" group. */
export const UiEvents = {
  TaskUpdated: 'TaskUpdated',
  WorkerUpdated: 'WorkerUpdated',
  QueueUpdated: 'QueueUpdated',
} as const;

export const UI_GROUP = 'ui';

/** Master → worker hub methods. */
export const MasterMethods = {
  StartSubtitize: 'StartSubtitize',
  StopSubtitize: 'StopSubtitize',
  Ping: 'Ping',
} as const;

export const workerStatusSchema = z.enum(['idle', 'busy', 'offline']);
export type WorkerStatus = z.infer<typeof workerStatusSchema>;

export const workerCapabilitiesSchema = z
  .object({
    gpu_available: z.boolean().optional(),
    concurrent_tasks: z.number().int().min(1).optional(),
  })
  .passthrough();
export type WorkerCapabilities = z.infer<typeof workerCapabilitiesSchema>;

/** RegisterWorker's third argument: capabilities, plus the tasks a returning worker is still running. */
export const workerRegistrationSchema = workerCapabilitiesSchema.extend({
  current_task_ids: z.array(z.number().int()).optional(),
});
export type WorkerRegistration = z.infer<typeof workerRegistrationSchema>;

/** UpdateWorkerStatus takes a bare status, or an object that also reports capabilities and current tasks. */
export const workerStatusReportSchema = z.union([
  workerStatusSchema,
  z.object({
    status: workerStatusSchema,
    capabilities: workerCapabilitiesSchema.optional(),
    current_task_ids: z.array(z.number().int()).optional(),
  }),
]);
export type WorkerStatusReport = z.infer<typeof workerStatusReportSchema>;

export const taskIdSchema = z.number().int().positive();
/** Progress in ten-thousandths: 0..10000. */
export const progressSchema = z.number().int().min(0).max(10000);
export const workerIdSchema = z.string().min(1).max(200);
