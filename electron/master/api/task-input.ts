import { defaultSubtitlePaths, isAbsolutePath } from '../../../common/subtitle-paths.js';
import { z } from 'zod';
import { TASK_STATUSES } from '../../../common/task-types.js';
import type { NewTask } from '../store/task-store.js';
import { describeZodError, HttpError } from './http-errors.js';

const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine(isAbsolutePath, { message: 'must be an absolute path (workers resolve it on their own disks)' });

const languageName = z.string().trim().min(1).max(40);

export const newTaskSchema = z
  .object({
    video_path: absolutePath,
    raw_subtitle_path: absolutePath.optional(),
    translated_subtitle_path: absolutePath.optional(),
    language: languageName.optional(),
    target_language: languageName.optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
  })
  .strict();

/** The most tasks one request may enqueue (a folder of videos dropped at once fits many times over). */
export const MAX_TASKS_PER_REQUEST = 1000;

/** Several tasks in one request, all enqueued or none. */
export const newTaskBatchSchema = z
  .object({ tasks: z.array(newTaskSchema).min(1, { message: 'must hold at least one task' }).max(MAX_TASKS_PER_REQUEST, { message: `must hold at most ${MAX_TASKS_PER_REQUEST} tasks per request` }) })
  .strict();

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:$/.test(new URL(u).protocol), { message: 'must be an http:// or https:// URL' });

/** POST /api/workers: a VideoCaptioner worker's REST endpoint, and optionally how it must reach this master. */
export const addWorkerSchema = z
  .object({
    endpoint: httpUrl,
    worker_id: z.string().min(1).max(200).optional(),
    /** The hub URL as the worker's machine reaches it; by default the address this request came to. */
    master_url: httpUrl.optional(),
  })
  .strict();

export const listQuerySchema = z.object({
  status: z.enum(TASK_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  if (value === undefined) throw new HttpError(400, `${what} is missing: send JSON with Content-Type: application/json`);
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, describeZodError(result.error));
  return result.data;
}

export function parseTaskId(raw: string | undefined): number {
  const id = Number(raw);
  if (!raw || !/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id < 1) throw new HttpError(400, `task id must be a positive integer, got '${raw}'`);
  return id;
}

/** Fills the defaults a request leaves out, subtitles next to the video among them. */
export function toNewTask(input: z.infer<typeof newTaskSchema>): NewTask {
  const target = input.target_language ?? null;
  const defaults = defaultSubtitlePaths(input.video_path, target);
  return {
    video_path: input.video_path,
    raw_subtitle_path: input.raw_subtitle_path ?? defaults.raw,
    translated_subtitle_path: input.translated_subtitle_path ?? defaults.translated,
    language: input.language ?? null,
    target_language: target,
    priority: input.priority ?? 0,
  };
}
