/**
 * Queued task ids in dispatch order: higher priority first, then lower id (first come, first
 * served; a retried task keeps its place). Held in memory beside the database so that a scheduling
 * pass costs no query. Each priority keeps its ids sorted; new tasks append and dispatch takes from
 * the head, so the common operations are O(1).
 */
export class ReadyQueue {
  private readonly lanes = new Map<number, Lane>();
  /** Priorities that have a lane, highest first. */
  private priorities: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(taskId: number, priority: number): void {
    let lane = this.lanes.get(priority);
    if (!lane) {
      lane = { ids: [], head: 0 };
      this.lanes.set(priority, lane);
      this.priorities = [...this.lanes.keys()].sort((a, b) => b - a);
    }
    const { ids } = lane;
    if (ids.length === lane.head || ids[ids.length - 1]! < taskId) ids.push(taskId);
    else {
      const at = lowerBound(ids, lane.head, taskId);
      if (ids[at] === taskId) return;
      if (at === lane.head && lane.head > 0) ids[--lane.head] = taskId;
      else ids.splice(at, 0, taskId);
    }
    this.count++;
  }

  /** False when the task was not queued. */
  remove(taskId: number, priority: number): boolean {
    const lane = this.lanes.get(priority);
    if (!lane) return false;
    const { ids } = lane;
    const at = ids[lane.head] === taskId ? lane.head : lowerBound(ids, lane.head, taskId);
    if (at >= ids.length || ids[at] !== taskId) return false;
    if (at === lane.head) {
      lane.head++;
      // Taking from the head only moves an index; the dead prefix is dropped now and then.
      if (lane.head >= 1024 && lane.head * 2 >= ids.length) {
        lane.ids = ids.slice(lane.head);
        lane.head = 0;
      }
    } else ids.splice(at, 1);
    this.count--;
    if (lane.ids.length === lane.head) {
      this.lanes.delete(priority);
      this.priorities = this.priorities.filter((p) => p !== priority);
    }
    return true;
  }

  /** Up to `limit` ids from the head, in dispatch order. */
  head(limit: number): number[] {
    const out: number[] = [];
    for (const priority of this.priorities) {
      const { ids, head } = this.lanes.get(priority)!;
      for (let i = head; i < ids.length && out.length < limit; i++) out.push(ids[i]!);
      if (out.length >= limit) break;
    }
    return out;
  }

  clear(): void {
    this.lanes.clear();
    this.priorities = [];
    this.count = 0;
  }
}

/** Ids in ascending order from `head` on; those before it were taken already. */
interface Lane {
  ids: number[];
  head: number;
}

function lowerBound(sorted: readonly number[], from: number, value: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
