import { useState } from 'react';
import { AddTasks } from './components/add-tasks.js';
import { QueueBar } from './components/queue-bar.js';
import { TaskTable } from './components/task-table.js';
import { Timeline } from './components/timeline.js';
import { WorkerList } from './components/worker-list.js';
import { useMaster } from './use-master.js';

export function App() {
  const master = useMaster();
  const [openTask, setOpenTask] = useState<number | null>(null);
  const selected = master.tasks.find((t) => t.task_id === openTask) ?? null;
  return (
    <div className="app">
      <QueueBar queue={master.queue} live={master.live} onPaused={master.setPaused} />
      {master.error && (
        <p className="banner error" role="alert">
          {master.error}
        </p>
      )}
      <main>
        <section className="tasks">
          <AddTasks onCreated={master.upsert} />
          <TaskTable tasks={master.tasks} onOpen={setOpenTask} onChanged={(task) => master.upsert([task])} />
        </section>
        <aside>
          {selected ? <Timeline task={selected} onClose={() => setOpenTask(null)} /> : <WorkerList workers={master.workers} />}
        </aside>
      </main>
    </div>
  );
}
