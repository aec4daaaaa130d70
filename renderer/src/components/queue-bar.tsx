import { useState } from 'react';
import { api, type QueueState } from '../api.js';
import type { LiveState } from '../live.js';

const LIVE_LABEL: Record<LiveState, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', offline: 'master unreachable' };

/** Counts by status, the connection to the master, and the switch that pauses dispatch. */
export function QueueBar({ queue, live, onPaused }: { queue: QueueState | null; live: LiveState; onPaused(paused: boolean): void }) {
  // What the switch shows while the master has not answered yet; after that, the master's word.
  const [pending, setPending] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const isPaused = pending ?? queue?.paused ?? false;
  const toggle = async () => {
    const wanted = !isPaused;
    setPending(wanted);
    try {
      const answer = wanted ? await api.pause() : await api.resume();
      onPaused(answer.paused);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setPending(null);
    }
  };
  return (
    <header className="queue-bar">
      <h1>CaptionHub</h1>
      <ul className="counts" aria-label="queue">
        {(['queued', 'processing', 'completed', 'failed', 'cancelled'] as const).map((status) => (
          <li key={status} className={`count ${status}`} data-status={status}>
            <strong>{queue ? queue[status] : '–'}</strong> {status}
          </li>
        ))}
      </ul>
      <label className="switch">
        <input type="checkbox" checked={isPaused} onChange={() => void toggle()} /> Pause the queue
      </label>
      <span className={`live ${live}`} role="status">
        {LIVE_LABEL[live]}
      </span>
      {error && <span className="error">{error}</span>}
    </header>
  );
}
