import type { Task } from '../../common/task-types.js';

/** A small JSON client for the master's REST API. */
export function api(baseUrl: string, token?: string) {
  const call = async <T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
        ...(token && { Authorization: `Bearer ${token}` }),
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    call,
    async createTask(input: Record<string, unknown>): Promise<Task> {
      const res = await call<Task>('POST', '/api/tasks', input);
      if (res.status !== 201) throw new Error(`POST /api/tasks answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async task(id: number): Promise<Task> {
      const res = await call<Task>('GET', `/api/tasks/${id}`);
      if (res.status !== 200) throw new Error(`GET /api/tasks/${id} answered ${res.status}`);
      return res.body;
    },
  };
}
