import { z } from 'zod';
import {
  UI_GROUP,
  UiMethods,
  WorkerMethods,
  progressSchema,
  taskIdSchema,
  workerIdSchema,
  workerRegistrationSchema,
  workerStatusReportSchema,
} from '../../common/hub-contract.js';
import { completeWhen, param, type HubDefinition } from './signalr/hub-definition.js';
import type { WorkerReports } from './worker-reports.js';

/**
 * Adds the seed's worker-to-master methods (names and argument order exactly as the spec) and the
 * UI's subscription to `hub`. Each report is applied at once, in order; its acknowledgement waits
 * for the commit that makes it durable.
 */
export function defineMasterHub(hub: HubDefinition, reports: WorkerReports): HubDefinition {
  return hub
    .method(
      WorkerMethods.RegisterWorker,
      [param('workerId', workerIdSchema), param('endpoint', z.string()), param('capabilities', workerRegistrationSchema.optional())],
      (ctx, workerId, endpoint, capabilities) => completeWhen(reports.register(ctx.connectionId, workerId, endpoint, capabilities)),
    )
    .method(WorkerMethods.UpdateWorkerStatus, [param('workerId', workerIdSchema), param('status', workerStatusReportSchema)], (ctx, workerId, status) => {
      reports.seen(ctx.connectionId);
      return completeWhen(reports.updateStatus(ctx.connectionId, workerId, status));
    })
    .method(
      WorkerMethods.UpdateTaskProgress,
      [param('taskId', taskIdSchema), param('progress', progressSchema), param('state', z.string().min(1))],
      (ctx, taskId, progress, state) => {
        reports.seen(ctx.connectionId);
        return completeWhen(reports.progress(ctx.connectionId, taskId, progress, state));
      },
    )
    .method(
      WorkerMethods.TaskCompleted,
      [
        param('taskId', taskIdSchema),
        param('rawSubtitlePath', z.string()),
        param('translatedSubtitlePath', z.string().nullable()),
        // Ours: why a part is missing (no translator for the target, …); the seed's workers send three arguments.
        param('warnings', z.array(z.string().max(2000)).max(20).optional()),
      ],
      (ctx, taskId, rawSubtitlePath, translatedSubtitlePath, warnings) => {
        reports.seen(ctx.connectionId);
        return completeWhen(reports.completed(ctx.connectionId, taskId, rawSubtitlePath, translatedSubtitlePath, warnings ?? []));
      },
    )
    .method(WorkerMethods.TaskFailed, [param('taskId', taskIdSchema), param('error', z.string())], (ctx, taskId, error) => {
      reports.seen(ctx.connectionId);
      return completeWhen(reports.failed(ctx.connectionId, taskId, error));
    })
    .method(UiMethods.SubscribeUi, [], (ctx) => ctx.groups.add(ctx.connectionId, UI_GROUP))
    .onDisconnected((ctx) => reports.connectionClosed(ctx.connectionId));
}
