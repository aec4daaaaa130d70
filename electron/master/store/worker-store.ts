import type { Statement } from 'better-sqlite3';
import type { WorkerCapabilities, WorkerStatus } from '../../../common/hub-contract.js';
import type { Db } from './database.js';

export interface WorkerRecord {
  worker_id: string;
  endpoint: string;
  reported_status: WorkerStatus;
  capabilities: WorkerCapabilities;
  registered_at: string;
  last_seen: string;
}

/** The workers the master has ever met, so that the fleet survives a restart of the master. */
export class WorkerStore {
  private readonly q: Record<'upsert' | 'all' | 'seen' | 'status', Statement>;

  constructor(db: Db) {
    this.q = {
      upsert: db.prepare(
        `INSERT INTO workers (worker_id, endpoint, reported_status, capabilities, registered_at, last_seen)
         VALUES (@worker_id, @endpoint, @reported_status, @capabilities, @registered_at, @last_seen)
         ON CONFLICT (worker_id) DO UPDATE SET endpoint = excluded.endpoint, reported_status = excluded.reported_status,
           capabilities = excluded.capabilities, last_seen = excluded.last_seen`,
      ),
      all: db.prepare('SELECT * FROM workers ORDER BY worker_id'),
      seen: db.prepare('UPDATE workers SET last_seen = ? WHERE worker_id = ?'),
      status: db.prepare('UPDATE workers SET reported_status = ?, capabilities = ?, last_seen = ? WHERE worker_id = ?'),
    };
  }

  save(record: WorkerRecord): void {
    this.q.upsert.run({ ...record, capabilities: JSON.stringify(record.capabilities) });
  }

  all(): WorkerRecord[] {
    return (this.q.all.all() as (Omit<WorkerRecord, 'capabilities'> & { capabilities: string })[]).map((row) => ({
      ...row,
      capabilities: JSON.parse(row.capabilities) as WorkerCapabilities,
    }));
  }

  seen(workerId: string, at: string): void {
    this.q.seen.run(at, workerId);
  }

  status(workerId: string, status: WorkerStatus, capabilities: WorkerCapabilities, at: string): void {
    this.q.status.run(status, JSON.stringify(capabilities), at, workerId);
  }
}
