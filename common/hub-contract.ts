// The hub contract between master and workers, written once (seed: master-worker-architecture.md,
// "Master 实现规约"). Master, worker, renderer and tests all take names and shapes from here.
import { z } from 'zod';

export * from './hub-names.js';

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
  /** Ours: a worker that joins busy with work the master did not give it says so, and gets none yet. */
  status: workerStatusSchema.optional(),
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
