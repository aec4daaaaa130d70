/**
 * Queued task ids in dispatch order: higher priority first, then lower id (first come, first
 * served; a retried task keeps its place). Held in memory beside the database so that a scheduling
 * pass costs no query. Each priority keeps its ids sorted; new tasks append, and the head is where
 * dispatch takes from, so the common operations are O(1).
 */
export class ReadyQueue {
  private readonly lanes = new Map<number, number[]>();
  /** Priorities that have a lane, highest first. */
  private priorities: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(taskId: number, priority: number): void {
    let lane = this.lanes.get(priority);
    if (!lane) {
      lane = [];
      this.lanes.set(priority, lane);
      this.priorities = [...this.lanes.keys()].sort((a, b) => b - a);
    }
    if (lane.length === 0 || lane[lane.length - 1]! < taskId) lane.push(taskId);
    else {
      const at = lowerBound(lane, taskId);
      if (lane[at] === taskId) return;
      lane.splice(at, 0, taskId);
    }
    this.count++;
  }

  /** False when the task was not queued. */
  remove(taskId: number, priority: number): boolean {
    const lane = this.lanes.get(priority);
    if (!lane) return false;
    const at = lane[0] === taskId ? 0 : lowerBound(lane, taskId);
    if (lane[at] !== taskId) return false;
    if (at === 0) lane.shift();
    else lane.splice(at, 1);
    this.count--;
    if (lane.length === 0) {
      this.lanes.delete(priority);
      this.priorities = this.priorities.filter((p) => p !== priority);
    }
    return true;
  }

  /** Up to `limit` ids from the head, in dispatch order. */
  head(limit: number): number[] {
    const out: number[] = [];
    for (const priority of this.priorities) {
      const lane = this.lanes.get(priority)!;
      for (let i = 0; i < lane.length && out.length < limit; i++) out.push(lane[i]!);
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

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
