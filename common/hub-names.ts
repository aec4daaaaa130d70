// The hub's method and event names and its path, written once (seed: master-worker-architecture.md,
// "Master 实现规约"). Kept apart from the schemas in hub-contract.ts so the renderer can use them
// without bundling zod.
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
