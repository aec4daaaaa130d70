// The master's state as the UI shows it: recent tasks, workers and queue counts, read over REST and
// kept current by the live feed.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Task, Worker } from '../../common/task-types.js';
import { api, type QueueState } from './api.js';
import { connectLive, type LiveState } from './live.js';

/** How many of the newest tasks the list holds. */
const TASK_WINDOW = 200;

export interface MasterView {
  tasks: Task[];
  workers: Worker[];
  queue: QueueState | null;
  live: LiveState;
  /** A failed reload, shown until the next one works. */
  error: string | null;
  refresh(): Promise<void>;
  /** Puts tasks the UI itself just created or changed into the list at once. */
  upsert(tasks: Task[]): void;
}

export function useMaster(): MasterView {
  const [tasks, setTasks] = useState<Map<number, Task>>(new Map());
  const [workers, setWorkers] = useState<Map<string, Worker>>(new Map());
  const [queue, setQueue] = useState<QueueState | null>(null);
  const [live, setLive] = useState<LiveState>('connecting');
  const [error, setError] = useState<string | null>(null);
  const queueTimer = useRef<number | null>(null);

  const refreshQueue = useCallback(() => {
    if (queueTimer.current !== null) return;
    // Counts change with every task update; one read per burst is enough.
    queueTimer.current = window.setTimeout(() => {
      queueTimer.current = null;
      api.queue().then(setQueue, () => {});
    }, 150);
  }, []);

  const refresh = useCallback(async () => {
    try {
      const [taskList, workerList, queueState] = await Promise.all([api.tasks(TASK_WINDOW), api.workers(), api.queue()]);
      setTasks(new Map(taskList.tasks.map((t) => [t.task_id, t])));
      setWorkers(new Map(workerList.workers.map((w) => [w.worker_id, w])));
      setQueue(queueState);
      setError(null);
    } catch (e) {
      setError(`Cannot read from the master: ${(e as Error).message}`);
    }
  }, []);

  const upsert = useCallback((changed: Task[]) => {
    setTasks((current) => {
      const next = new Map(current);
      for (const task of changed) next.set(task.task_id, task);
      return next;
    });
    refreshQueue();
  }, [refreshQueue]);

  // A first read right away, so a master that refuses the page (no token) says so even before the feed.
  useEffect(() => void refresh(), [refresh]);

  useEffect(
    () =>
      connectLive({
        task: (task) => upsert([task]),
        worker: (worker) => setWorkers((current) => new Map(current).set(worker.worker_id, worker)),
        state: setLive,
        resync: () => void refresh(),
      }),
    [refresh, upsert],
  );

  const sortedTasks = [...tasks.values()].sort((a, b) => b.task_id - a.task_id).slice(0, TASK_WINDOW);
  const sortedWorkers = [...workers.values()].sort((a, b) => a.worker_id.localeCompare(b.worker_id));
  return { tasks: sortedTasks, workers: sortedWorkers, queue, live, error, refresh, upsert };
}
