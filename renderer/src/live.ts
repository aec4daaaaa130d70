// The UI's live feed: a SignalR connection in the hub's "ui" group, which hears every committed
// task change and worker snapshot. After a reconnect the caller reloads, since changes were missed.
import { HubConnectionBuilder, HubConnectionState, LogLevel } from '@microsoft/signalr';
import { HUB_PATH, UiEvents, UiMethods } from '../../common/hub-names.js';
import type { Task, TaskEvent, Worker } from '../../common/task-types.js';
import { accessToken } from './auth.js';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveHandlers {
  task(task: Task, event: TaskEvent | null): void;
  worker(worker: Worker): void;
  queue(change: { paused: boolean }): void;
  state(state: LiveState): void;
  /** The feed (re)joined: whatever happened meanwhile must be read again. */
  resync(): void;
}

export function connectLive(handlers: LiveHandlers): () => void {
  const connection = new HubConnectionBuilder()
    .withUrl(HUB_PATH, accessToken ? { accessTokenFactory: () => accessToken! } : {})
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(10_000, 500 * 2 ** ctx.previousRetryCount) })
    .configureLogging(LogLevel.Warning)
    .build();
  connection.on(UiEvents.TaskUpdated, (task: Task, event: TaskEvent | null) => handlers.task(task, event ?? null));
  connection.on(UiEvents.WorkerUpdated, (worker: Worker) => handlers.worker(worker));
  connection.on(UiEvents.QueueUpdated, (change: { paused: boolean }) => handlers.queue(change));
  connection.onreconnecting(() => handlers.state('reconnecting'));
  // If joining the feed again fails, start over rather than sit in "reconnecting" for good.
  connection.onreconnected(() => void subscribe().catch(() => void connection.stop()));
  connection.onclose(() => {
    handlers.state('offline');
    if (!stopped) setTimeout(() => void start(1), 1000);
  });

  let stopped = false;
  const subscribe = async () => {
    await connection.invoke(UiMethods.SubscribeUi);
    handlers.state('live');
    handlers.resync();
  };
  const start = async (attempt: number): Promise<void> => {
    if (stopped) return;
    handlers.state('connecting');
    try {
      await connection.start();
      await subscribe();
    } catch {
      handlers.state('offline');
      setTimeout(() => void start(attempt + 1), Math.min(10_000, 500 * 2 ** attempt));
    }
  };
  void start(0);
  return () => {
    stopped = true;
    if (connection.state !== HubConnectionState.Disconnected) void connection.stop();
  };
}
