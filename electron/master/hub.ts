import { z } from 'zod';
import type { Logger } from '../../common/logger.js';
import {
  WorkerMethods,
  progressSchema,
  taskIdSchema,
  workerCapabilitiesSchema,
  workerIdSchema,
  workerStatusReportSchema,
} from '../../common/hub-contract.js';
import { HubDefinition, param } from './signalr/hub-definition.js';

/**
 * The seed's worker-to-master methods with their argument types. For now each one is checked and
 * logged; the registry and scheduler give them their effect.
 */
export function createMasterHub(logger: Logger): HubDefinition {
  return new HubDefinition()
    .method(
      WorkerMethods.RegisterWorker,
      [param('workerId', workerIdSchema), param('endpoint', z.string()), param('capabilities', workerCapabilitiesSchema.optional())],
      (ctx, workerId, endpoint, capabilities) => {
        ctx.items.set('workerId', workerId);
        logger.info('worker registered', { worker: workerId, endpoint, capabilities, connection: ctx.connectionId });
      },
    )
    .method(WorkerMethods.UpdateWorkerStatus, [param('workerId', workerIdSchema), param('status', workerStatusReportSchema)], (_ctx, workerId, status) => {
      logger.info('worker status', { worker: workerId, status });
    })
    .method(
      WorkerMethods.UpdateTaskProgress,
      [param('taskId', taskIdSchema), param('progress', progressSchema), param('state', z.string().min(1))],
      (_ctx, taskId, progress, state) => {
        logger.info('task progress', { task: taskId, progress, state });
      },
    )
    .method(
      WorkerMethods.TaskCompleted,
      [param('taskId', taskIdSchema), param('rawSubtitlePath', z.string()), param('translatedSubtitlePath', z.string().nullable())],
      (_ctx, taskId, rawSubtitlePath, translatedSubtitlePath) => {
        logger.info('task completed', { task: taskId, raw: rawSubtitlePath, translated: translatedSubtitlePath });
      },
    )
    .method(WorkerMethods.TaskFailed, [param('taskId', taskIdSchema), param('error', z.string())], (_ctx, taskId, error) => {
      logger.info('task failed', { task: taskId, error });
    })
    .onDisconnected((ctx, error) => {
      const workerId = ctx.items.get('workerId');
      if (workerId) logger.info('worker disconnected', { worker: workerId as string, error });
    });
}
