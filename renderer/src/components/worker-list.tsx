import { useState, type FormEvent } from 'react';
import type { Worker } from '../../../common/task-types.js';
import { api } from '../api.js';

/** The fleet: who is online, what each runs; and a form to add a VideoCaptioner worker by its endpoint. */
export function WorkerList({ workers }: { workers: Worker[] }) {
  return (
    <section className="workers">
      <h2>Workers</h2>
      {workers.length === 0 ? (
        <p className="empty">No worker has joined yet.</p>
      ) : (
        <ul>
          {workers.map((w) => (
            <li key={w.worker_id} data-worker-id={w.worker_id} className={w.status}>
              <span className={`dot ${w.status}`} aria-hidden /> <strong>{w.worker_id}</strong> <span className="status">{w.status}</span>
              <div className="detail">
                {w.capabilities.gpu_available ? 'GPU' : 'CPU'} · {w.capabilities.concurrent_tasks} slot{w.capabilities.concurrent_tasks === 1 ? '' : 's'}
                {w.current_task_ids.length > 0 && <> · running {w.current_task_ids.map((id) => `#${id}`).join(', ')}</>}
              </div>
            </li>
          ))}
        </ul>
      )}
      <AddWorker />
    </section>
  );
}

function AddWorker() {
  const [endpoint, setEndpoint] = useState('');
  const [masterUrl, setMasterUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const worker = await api.addWorker(endpoint.trim(), masterUrl.trim() || undefined);
      setMessage({ kind: 'ok', text: `${worker.worker_id} joined.` });
      setEndpoint('');
    } catch (err) {
      setMessage({ kind: 'error', text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="add-worker" onSubmit={(e) => void submit(e)}>
      <h3>Add a VideoCaptioner worker</h3>
      <input aria-label="worker endpoint" value={endpoint} onChange={(e) => setEndpoint(e.target.value)} placeholder="http://gpu-box:5000" required />
      <input aria-label="master URL as the worker sees it" value={masterUrl} onChange={(e) => setMasterUrl(e.target.value)} placeholder="Master URL as it sees it (optional)" />
      <button type="submit" disabled={busy}>
        {busy ? 'Connecting…' : 'Add worker'}
      </button>
      {message && (
        <p className={message.kind} role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </form>
  );
}
