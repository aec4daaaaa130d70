import { z } from 'zod';

/**
 * The REST API of a VideoCaptioner (Python) worker, as it really behaves
 * (shared/compat/videocaptioner-worker.md): work reaches it here, not through hub calls, which its
 * client cannot take.
 */
export class VideoCaptionerApi {
  constructor(
    readonly endpoint: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async health(): Promise<void> {
    const body = await this.call('GET', '/health');
    if ((body as { status?: unknown } | null)?.status !== 'healthy') throw new VideoCaptionerError(`${this.url('/health')} did not answer healthy: ${JSON.stringify(body)}`);
  }

  /** Tells the worker to connect to the hub at `hubUrl` (kept as given, query string included). */
  async setMaster(hubUrl: string): Promise<void> {
    const body = (await this.call('GET', `/set-master?url=${encodeURIComponent(hubUrl)}`)) as { success?: unknown; message?: unknown } | null;
    if (body?.success !== true) throw new VideoCaptionerError(`${this.endpoint} refused /set-master: ${String(body?.message ?? JSON.stringify(body))}`);
  }

  /** Starts a task; resolves with the worker's own id for it, or rejects with why it did not start. */
  async startSubtitize(task: { video_path: string; raw_subtitle_path: string; translated_subtitle_path: string; language: string }): Promise<number> {
    const body = startAnswerSchema.parse(await this.call('POST', '/api/rpc/start-subtitize', task));
    if (body.task_id > 0) return body.task_id;
    const reason = START_REFUSALS[body.task_id] ?? `refused (${body.task_id})`;
    throw new VideoCaptionerError(`${this.endpoint} ${reason}${body.message ? `: ${body.message}` : ''}`);
  }

  async stopSubtitize(workerTaskId: number): Promise<void> {
    await this.call('POST', '/api/rpc/stop-subtitize', { task_id: workerTaskId });
  }

  /** What the worker says it is doing, with the video of its current task if any. */
  async status(): Promise<{ busy: boolean; videoPath: string | null; workerTaskId: number | null }> {
    const body = statusSchema.parse(await this.call('GET', '/api/rpc/get-status'));
    return { busy: body.status === 'busy', videoPath: body.current_task?.video_path ?? null, workerTaskId: body.current_task?.task_id ?? null };
  }

  private url(path: string): string {
    return new URL(path, this.endpoint.endsWith('/') ? this.endpoint : `${this.endpoint}/`).toString();
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const url = this.url(path.replace(/^\//, ''));
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(body !== undefined && { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new VideoCaptionerError(`cannot reach ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new VideoCaptionerError(`${method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new VideoCaptionerError(`${method} ${url} answered something that is not JSON: ${text.slice(0, 300)}`);
    }
  }
}

export class VideoCaptionerError extends Error {
  override name = 'VideoCaptionerError';
}

const START_REFUSALS: Record<number, string> = {
  [-1]: 'is busy with another task',
  [-2]: 'found the task arguments invalid',
  [-3]: 'could not start its executor',
};

const startAnswerSchema = z.object({ task_id: z.number().int(), message: z.string().optional() }).passthrough();

const statusSchema = z
  .object({
    status: z.string(),
    current_task: z.object({ task_id: z.number().int().optional(), video_path: z.string().optional() }).passthrough().nullable().optional(),
  })
  .passthrough();
