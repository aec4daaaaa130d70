import { useEffect, useState } from 'react';
import type { Task, TaskEvent } from '../../../common/task-types.js';
import { api } from '../api.js';
import { clock } from '../format.js';

/** One task's event log (queued, assigned, milestones, retries, completion), read again as the task changes. */
export function Timeline({ task, onClose }: { task: Task; onClose(): void }) {
  const [events, setEvents] = useState<TaskEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    api.events(task.task_id).then(
      ({ events }) => current && (setEvents(events), setError(null)),
      (e: Error) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
    // Read again when the task changes in a way its timeline records: status, state, attempts, quarters of progress.
  }, [task.task_id, task.status, task.state, task.attempts, Math.floor(task.progress / 2500)]);
  return (
    <section className="timeline" aria-label={`timeline of task ${task.task_id}`}>
      <header>
        <h2>Task {task.task_id}</h2>
        <button onClick={onClose} aria-label="close the timeline">
          ×
        </button>
      </header>
      <p className="path">{task.video_path}</p>
      <dl>
        <dt>Subtitles</dt>
        <dd>{task.raw_subtitle_path}</dd>
        {task.translated_subtitle_path && (
          <>
            <dt>Translation</dt>
            <dd>{task.translated_subtitle_path}</dd>
          </>
        )}
        <dt>Attempts</dt>
        <dd>{task.attempts}</dd>
      </dl>
      {error && <p className="error">{error}</p>}
      <ol>
        {events.map((e) => (
          <li key={e.id} className={e.kind}>
            <time dateTime={e.at}>{clock(e.at)}</time> <span className="message">{e.message}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
