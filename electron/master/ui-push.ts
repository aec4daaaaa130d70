import { UI_GROUP, UiEvents } from '../../common/hub-contract.js';
import type { WorkerRegistry } from './registry.js';
import type { Scheduler } from './scheduler.js';
import type { GroupManager, HubClients } from './signalr/hub-caller-context.js';
import type { TaskStore } from './store/task-store.js';

/**
 * Pushes committed changes to the UI clients in the hub's "ui" group. Worker snapshots are
 * coalesced to one per worker per turn of the event loop, sent after the scheduler has finished
 * moving tasks around.
 */
export class UiPush {
  private readonly dirtyWorkers = new Set<string>();
  private flushQueued = false;

  constructor(
    private readonly clients: HubClients,
    private readonly groups: GroupManager,
    private readonly registry: WorkerRegistry,
    store: TaskStore,
    scheduler: Scheduler,
  ) {
    scheduler.onPausedChange((paused) => {
      if (this.watched) this.clients.group(UI_GROUP).send(UiEvents.QueueUpdated, { paused });
    });
    registry.onChange((worker) => this.workerChanged(worker.id));
    store.onChange(({ task, event }) => {
      if (!this.watched) return;
      this.clients.group(UI_GROUP).send(UiEvents.TaskUpdated, task, event);
      if (task.worker_id) this.workerChanged(task.worker_id);
      if (event?.worker_id && event.worker_id !== task.worker_id) this.workerChanged(event.worker_id);
    });
  }

  /** Whether any UI is listening: with none, changes are not even serialised. */
  private get watched(): boolean {
    return this.groups.size(UI_GROUP) > 0;
  }

  workerChanged(workerId: string): void {
    if (!this.watched) return;
    this.dirtyWorkers.add(workerId);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    for (const id of this.dirtyWorkers) {
      const worker = this.registry.get(id);
      if (worker) this.clients.group(UI_GROUP).send(UiEvents.WorkerUpdated, this.registry.toJson(worker));
    }
    this.dirtyWorkers.clear();
  }
}
