// A real worker (its engine on the tiny Whisper) joins a real master; tasks go through the REST API.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Task } from '../../common/task-types.js';
import { silentLogger } from '../../common/logger.js';
import { WorkerClient } from '../../worker/client.js';
import { resolveWorkerConfig } from '../../worker/config.js';
import { startWorker, type RunningWorker } from '../../worker/main.js';
import { parseSrt } from '../../worker/pipeline/subtitles.js';
import { api } from '../helpers/api.js';
import { startChatServer } from '../helpers/chat-server.js';
import { until } from '../helpers/hub-server.js';
import { startTestMaster } from '../helpers/master.js';
import { ffmpegGenerate, mediaDir, speechWithPauses } from '../helpers/media.js';
import { tinyWhisper } from '../helpers/tiny-whisper.js';

async function waitForStatus(rest: ReturnType<typeof api>, id: number, status: Task['status'], timeoutMs = 30_000): Promise<Task> {
  let task: Task | undefined;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    task = await rest.task(id);
    if (task.status === status) return task;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`task ${id} is ${task?.status}, expected ${status}: ${JSON.stringify(task)}`);
}

describe('worker and master together', () => {
  let master: Awaited<ReturnType<typeof startTestMaster>>;
  let worker: RunningWorker;
  let chat: Awaited<ReturnType<typeof startChatServer>>;
  let dir: string;
  let video: string;

  before(async () => {
    master = await startTestMaster();
    chat = await startChatServer();
    dir = mediaDir();
    const { file } = speechWithPauses(dir, [['Welcome to the meeting.', 2], ['Let us begin with the first item.', 1]]);
    video = ffmpegGenerate(join(dir, 'meeting.mp4'), ['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=5:duration=9', '-i', file, '-c:v', 'mpeg4', '-c:a', 'aac', '-shortest']);
    const config = resolveWorkerConfig({ CAPTIONHUB_DATA: dir, CAPTIONHUB_MODEL: tinyWhisper(), CAPTIONHUB_PROVIDERS: 'cpu', CAPTIONHUB_THREADS: '1' });
    worker = await startWorker({ ...config, masterUrl: master.hubUrl, workerId: 'local', translator: { baseUrl: chat.baseUrl, model: 'm' } }, silentLogger);
  });
  after(async () => {
    await worker.stop();
    await master.stop();
    await chat.close();
  });

  test('a task queued over REST is transcribed, translated and completed; the worker shows its capabilities', async () => {
    const rest = api(master.url);
    const created = await rest.createTask({ video_path: video, language: 'English', target_language: 'zh' });
    const done = await waitForStatus(rest, created.task_id, 'completed');
    assert.equal(done.worker_id, 'local');
    assert.equal(done.raw_subtitle_path, join(dir, 'meeting.srt'));
    assert.equal(done.translated_subtitle_path, join(dir, 'meeting.zh.srt'));
    const raw = parseSrt(readFileSync(done.raw_subtitle_path, 'utf8'));
    const translated = parseSrt(readFileSync(done.translated_subtitle_path!, 'utf8'));
    assert.ok(raw.length > 0);
    assert.equal(translated.length, raw.length);
    const events = (await rest.call<{ events: { kind: string; message: string }[] }>('GET', `/api/tasks/${created.task_id}/events`)).body.events;
    assert.ok(events.some((e) => e.kind === 'progress' && /transcribing/.test(e.message)), JSON.stringify(events));
    const me = (await rest.call<{ capabilities: Record<string, unknown>; status: string }>('GET', '/api/workers/local')).body;
    assert.equal(me.capabilities.gpu_available, false);
    assert.equal(me.capabilities.provider, 'cpu');
    assert.equal(me.capabilities.concurrent_tasks, 1);
  });

  test('a file that is not media fails after its retries, with the reason', async () => {
    const rest = api(master.url);
    const bogus = join(dir, 'not-a-video.mp4');
    writeFileSync(bogus, 'plain text');
    const created = await rest.createTask({ video_path: bogus });
    const failed = await waitForStatus(rest, created.task_id, 'failed');
    assert.equal(failed.attempts, 3);
    assert.match(failed.error ?? '', /not-a-video\.mp4 is not a media file ffmpeg can read/);
    assert.ok(!existsSync(join(dir, 'not-a-video.srt')));
  });
});

describe('a worker with no translator', () => {
  test('a task whose target needs one completes with the raw file, and its timeline says why', async () => {
    const master = await startTestMaster();
    const dir = mediaDir();
    const { file } = speechWithPauses(dir, [['Nothing to translate here.', 1]], 1, 'note.wav');
    const config = resolveWorkerConfig({ CAPTIONHUB_DATA: dir, CAPTIONHUB_MODEL: tinyWhisper(), CAPTIONHUB_PROVIDERS: 'cpu', CAPTIONHUB_THREADS: '1' });
    const worker = await startWorker({ ...config, masterUrl: master.hubUrl, workerId: 'plain', translator: null }, silentLogger);
    try {
      const rest = api(master.url);
      const created = await rest.createTask({ video_path: file, language: 'en', target_language: 'ja' });
      const done = await waitForStatus(rest, created.task_id, 'completed');
      assert.ok(existsSync(done.raw_subtitle_path));
      assert.equal(done.translated_subtitle_path, null);
      const events = (await rest.call<{ events: { kind: string; message: string }[] }>('GET', `/api/tasks/${created.task_id}/events`)).body.events;
      assert.ok(events.some((e) => e.kind === 'warning' && /No translator is configured for ja/.test(e.message)), JSON.stringify(events));
    } finally {
      await worker.stop();
      await master.stop();
    }
  });
});

describe('worker client protocol', () => {
  test('a result the master could not record (its commit failed) is sent again until it is', async () => {
    const master = await startTestMaster();
    const client = new WorkerClient(
      { hubUrl: master.hubUrl, workerId: 'w', endpoint: 'test://w', capabilities: { gpu_available: false, concurrent_tasks: 1 }, redeliverAfterMs: 100 },
      { run: async (task) => ({ rawSubtitlePath: task.rawSubtitlePath, translatedSubtitlePath: '' }), isCancellation: () => false },
      silentLogger,
    );
    // A second connection to the master's file stands in for a failing disk: completions are refused.
    const db = new Database(join(master.dataDir, 'captionhub.db'));
    db.exec(`CREATE TRIGGER refuse_completion BEFORE UPDATE OF status ON tasks WHEN NEW.status = 'completed' BEGIN SELECT RAISE(ABORT, 'disk trouble'); END`);
    await client.start();
    try {
      const rest = api(master.url);
      const task = await rest.createTask({ video_path: '/v/disk.mp4' });
      await new Promise((r) => setTimeout(r, 400));
      assert.equal((await rest.task(task.task_id)).status, 'processing', 'not recorded while the disk fails');
      db.exec('DROP TRIGGER refuse_completion');
      const done = await waitForStatus(rest, task.task_id, 'completed', 5000);
      assert.equal(done.attempts, 1);
    } finally {
      db.close();
      await client.stop();
      await master.stop();
    }
  });

  test('a task finished while the master was unreachable is reported after the reconnect, and kept', async () => {
    const master = await startTestMaster();
    let finish: (() => void) | null = null;
    const client = new WorkerClient(
      { hubUrl: master.hubUrl, workerId: 'w', endpoint: 'test://w', capabilities: { gpu_available: false, concurrent_tasks: 1 } },
      {
        run: (task) => new Promise((resolve) => (finish = () => resolve({ rawSubtitlePath: task.rawSubtitlePath, translatedSubtitlePath: '' }))),
        isCancellation: () => false,
      },
      silentLogger,
    );
    await client.start();
    try {
      const rest = api(master.url);
      const task = await rest.createTask({ video_path: '/v/offline.mp4' });
      await waitForStatus(rest, task.task_id, 'processing');
      await until(() => finish !== null, 5000, 'the runner started');
      // The master drops the connection; the task finishes before the client is back.
      const before = client.connectionId!;
      assert.ok(master.hub.abortConnection(before, 'network trouble', { allowReconnect: true }));
      finish!();
      await until(() => client.connectionId !== null && client.connectionId !== before, 10_000, 'reconnect');
      const done = await waitForStatus(rest, task.task_id, 'completed', 10_000);
      assert.equal(done.worker_id, 'w');
      assert.equal(done.attempts, 1, 'not requeued meanwhile');
    } finally {
      await client.stop();
      await master.stop();
    }
  });

  test('StopSubtitize aborts the running task; nothing is reported for it; the worker takes the next', async () => {
    const master = await startTestMaster();
    const aborted: number[] = [];
    const client = new WorkerClient(
      { hubUrl: master.hubUrl, workerId: 'w', endpoint: 'test://w', capabilities: { gpu_available: false, concurrent_tasks: 1 } },
      {
        run: (task, signal, report) =>
          new Promise((resolve, reject) => {
            report(1000, 'transcribing');
            if (task.videoPath.endsWith('quick.mp4')) return resolve({ rawSubtitlePath: task.rawSubtitlePath, translatedSubtitlePath: '' });
            signal.addEventListener('abort', () => {
              aborted.push(task.taskId);
              reject(new Error('stopped'));
            });
          }),
        isCancellation: (error) => (error as Error).message === 'stopped',
      },
      silentLogger,
    );
    await client.start();
    try {
      const rest = api(master.url);
      const slow = await rest.createTask({ video_path: '/v/slow.mp4' });
      await waitForStatus(rest, slow.task_id, 'processing');
      assert.equal((await rest.call('DELETE', `/api/tasks/${slow.task_id}`)).status, 200);
      await until(() => aborted.includes(slow.task_id), 5000, 'the runner was aborted');
      const quick = await rest.createTask({ video_path: '/v/quick.mp4' });
      await waitForStatus(rest, quick.task_id, 'completed', 10_000);
      assert.equal((await rest.task(slow.task_id)).status, 'cancelled');
    } finally {
      await client.stop();
      await master.stop();
    }
  });
});
