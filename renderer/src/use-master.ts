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
  /** The queue was paused or resumed (here, or anywhere else). */
  setPaused(paused: boolean): void;
}

/** The newest TASK_WINDOW tasks, newest first. */
function windowOf(tasks: Map<number, Task>): Map<number, Task> {
  if (tasks.size <= TASK_WINDOW) return tasks;
  return new Map([...tasks].sort(([a], [b]) => b - a).slice(0, TASK_WINDOW));
}

export function useMaster(): MasterView {
  const [tasks, setTasks] = useState<Map<number, Task>>(new Map());
  const [workers, setWorkers] = useState<Map<string, Worker>>(new Map());
  const [queue, setQueue] = useState<QueueState | null>(null);
  const [live, setLive] = useState<LiveState>('connecting');
  const [error, setError] = useState<string | null>(null);
  const queueTimer = useRef<number | null>(null);
  /** Only the newest reload may set the lists; live changes heard while it ran are applied again after it. */
  const reloads = useRef({ latest: 0, heardMeanwhile: [] as Task[] });

  const refreshQueue = useCallback(() => {
    if (queueTimer.current !== null) return;
    // Counts change with every task update; one read per burst is enough.
    queueTimer.current = window.setTimeout(() => {
      queueTimer.current = null;
      api.queue().then(setQueue, () => {});
    }, 150);
  }, []);

  const upsert = useCallback(
    (changed: Task[]) => {
      reloads.current.heardMeanwhile.push(...changed);
      setTasks((current) => {
        const next = new Map(current);
        for (const task of changed) next.set(task.task_id, task);
        return windowOf(next);
      });
      refreshQueue();
    },
    [refreshQueue],
  );

  const refresh = useCallback(async () => {
    const mine = ++reloads.current.latest;
    reloads.current.heardMeanwhile = [];
    try {
      const [taskList, workerList, queueState] = await Promise.all([api.tasks(TASK_WINDOW), api.workers(), api.queue()]);
      if (mine !== reloads.current.latest) return;
      const next = new Map(taskList.tasks.map((t) => [t.task_id, t]));
      // A change pushed while the lists were read may be newer than what the read returned.
      for (const task of reloads.current.heardMeanwhile) next.set(task.task_id, task);
      setTasks(windowOf(next));
      setWorkers(new Map(workerList.workers.map((w) => [w.worker_id, w])));
      setQueue(queueState);
      setError(null);
    } catch (e) {
      if (mine === reloads.current.latest) setError(`Cannot read from the master: ${(e as Error).message}`);
    }
  }, []);

  const setPaused = useCallback((paused: boolean) => setQueue((current) => (current ? { ...current, paused } : current)), []);

  // A first read right away, so a master that refuses the page (no token) says so even before the feed.
  useEffect(() => void refresh(), [refresh]);

  useEffect(
    () =>
      connectLive({
        task: (task) => upsert([task]),
        worker: (worker) => setWorkers((current) => new Map(current).set(worker.worker_id, worker)),
        queue: ({ paused }) => setPaused(paused),
        state: setLive,
        resync: () => void refresh(),
      }),
    [refresh, upsert, setPaused],
  );

  const sortedTasks = [...tasks.values()].sort((a, b) => b.task_id - a.task_id);
  const sortedWorkers = [...workers.values()].sort((a, b) => a.worker_id.localeCompare(b.worker_id));
  return { tasks: sortedTasks, workers: sortedWorkers, queue, live, error, refresh, upsert, setPaused };
}
