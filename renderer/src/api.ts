// The master's REST API, as the UI uses it. Errors carry the master's own message ("video_path: …").
import type { Task, TaskEvent, TaskStatus, Worker } from '../../common/task-types.js';
import { accessToken, authHeaders } from './auth.js';

export interface QueueState {
  paused: boolean;
  queued: number;
  processing: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export interface NewTaskInput {
  video_path: string;
  language?: string;
  target_language?: string;
  priority?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(body !== undefined && { 'Content-Type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (res.status === 401) {
    throw new ApiError(401, accessToken ? 'The master refused this page\'s token: open the page again as /?access_token=<token>.' : 'This master requires a token: open the page as /?access_token=<token>.');
  }
  if (!res.ok) throw new ApiError(res.status, (parsed as { error?: string } | undefined)?.error ?? `${method} ${path} answered ${res.status}`);
  return parsed as T;
}

export const api = {
  tasks: (limit = 200, status?: TaskStatus) =>
    call<{ tasks: Task[]; total: number }>('GET', `/api/tasks?limit=${limit}${status ? `&status=${status}` : ''}`),
  createTasks: (tasks: NewTaskInput[]) => call<{ tasks: Task[] }>('POST', '/api/tasks', { tasks }),
  cancel: (taskId: number) => call<Task>('DELETE', `/api/tasks/${taskId}`),
  retry: (taskId: number) => call<Task>('POST', `/api/tasks/${taskId}/retry`),
  events: (taskId: number) => call<{ events: TaskEvent[] }>('GET', `/api/tasks/${taskId}/events`),
  workers: () => call<{ workers: Worker[] }>('GET', '/api/workers'),
  addWorker: (endpoint: string, masterUrl?: string) =>
    call<Worker>('POST', '/api/workers', { endpoint, ...(masterUrl && { master_url: masterUrl }) }),
  queue: () => call<QueueState>('GET', '/api/queue'),
  pause: () => call<{ paused: boolean }>('POST', '/api/queue/pause'),
  resume: () => call<{ paused: boolean }>('POST', '/api/queue/resume'),
};
