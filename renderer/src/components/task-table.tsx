import { useState } from 'react';
import type { Task } from '../../../common/task-types.js';
import { api } from '../api.js';
import { fileName, percent } from '../format.js';

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

/** The newest tasks with live progress; cancel what is unfinished, retry what is finished. */
export function TaskTable({ tasks, onOpen, onChanged }: { tasks: Task[]; onOpen(taskId: number): void; onChanged(task: Task): void }) {
  const [error, setError] = useState<string | null>(null);
  const act = async (action: () => Promise<Task>) => {
    try {
      onChanged(await action());
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  if (tasks.length === 0) return <p className="empty">No tasks yet.</p>;
  return (
    <>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="task-table">
        <thead>
          <tr>
            <th>#</th>
            <th>Video</th>
            <th>Status</th>
            <th>Progress</th>
            <th>Worker</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tasks.map((task) => (
            <tr key={task.task_id} data-task-id={task.task_id} className={task.status} onClick={() => onOpen(task.task_id)}>
              <td>{task.task_id}</td>
              <td title={task.video_path}>{fileName(task.video_path)}</td>
              <td>
                <span className={`badge ${task.status}`}>{task.status}</span>
                {task.status === 'processing' && <span className="state"> {task.state}</span>}
                {task.error && <div className="task-error">{task.error}</div>}
              </td>
              <td>
                <progress max={10000} value={task.progress} aria-label={`progress of task ${task.task_id}`} /> <span className="pct">{percent(task.progress)}</span>
              </td>
              <td>{task.worker_id ?? ''}</td>
              <td onClick={(e) => e.stopPropagation()}>
                {FINISHED.has(task.status) ? (
                  <button onClick={() => void act(() => api.retry(task.task_id))}>Retry</button>
                ) : (
                  <button onClick={() => void act(() => api.cancel(task.task_id))}>Cancel</button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
