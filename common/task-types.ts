// The task and worker records as the REST API and the UI see them (seed: "任务状态管理",
// "Worker 注册管理"). Field names are the seed's snake_case JSON.
import type { WorkerCapabilities, WorkerStatus } from './hub-contract.js';

export const TASK_STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Where a task is in its pipeline; the first and the last three mirror its status. */
export const TASK_STATES = ['queued', 'transcribing', 'optimizing', 'translating', 'completed', 'failed', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** The states a worker may report through UpdateTaskProgress while it works. */
export const WORKING_STATES = ['transcribing', 'optimizing', 'translating'] as const;
export type WorkingState = (typeof WORKING_STATES)[number];

export const FINISHED_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

export interface Task {
  task_id: number;
  status: TaskStatus;
  state: TaskState;
  worker_id: string | null;
  video_path: string;
  raw_subtitle_path: string;
  /** Empty when no translation was asked for, or none could be made. */
  translated_subtitle_path: string | null;
  language: string | null;
  target_language: string | null;
  /** Higher runs first. */
  priority: number;
  /** Ten-thousandths: 0..10000. */
  progress: number;
  attempts: number;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export type TaskEventKind =
  | 'queued'
  | 'assigned'
  | 'dispatch_failed'
  | 'progress'
  | 'retried'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'stop_requested'
  | 'resumed'
  | 'warning';

export interface TaskEvent {
  id: number;
  task_id: number;
  at: string;
  kind: TaskEventKind;
  message: string;
  worker_id: string | null;
}

export interface Worker {
  worker_id: string;
  endpoint: string;
  status: WorkerStatus;
  last_seen: string;
  capabilities: WorkerCapabilities & { gpu_available: boolean; concurrent_tasks: number };
  /** Live hub connections under this worker id. */
  connections: number;
  current_task_ids: number[];
  registered_at: string;
}
