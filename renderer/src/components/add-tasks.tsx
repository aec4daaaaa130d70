import { useState, type DragEvent, type FormEvent } from 'react';
import type { Task } from '../../../common/task-types.js';
import { api, type NewTaskInput } from '../api.js';

declare global {
  interface Window {
    /** Set by Electron's preload; absent in a plain browser, which cannot see where a dropped file lives. */
    captionhub?: { desktop: true; platform: string; pathForFile(file: File): string };
  }
}

/**
 * Adds tasks: videos dropped on the window (the desktop app knows their paths) or paths typed one
 * per line (workers read them from their own disks, so they must be absolute). One request for
 * the lot: all are queued or, if one is bad, none, with the master's message naming it.
 */
export function AddTasks({ onCreated }: { onCreated(tasks: Task[]): void }) {
  const [paths, setPaths] = useState('');
  const [language, setLanguage] = useState('');
  const [target, setTarget] = useState('');
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const [dragging, setDragging] = useState(false);

  const submit = async (videoPaths: string[]) => {
    const tasks: NewTaskInput[] = videoPaths.map((video_path) => ({
      video_path,
      ...(language.trim() && { language: language.trim() }),
      ...(target.trim() && { target_language: target.trim() }),
    }));
    if (tasks.length === 0) return setMessage({ kind: 'error', text: 'Give at least one video path.' });
    try {
      const { tasks: created } = await api.createTasks(tasks);
      onCreated(created);
      setPaths('');
      setMessage({ kind: 'ok', text: `Queued ${created.length} task${created.length === 1 ? '' : 's'}.` });
    } catch (e) {
      setMessage({ kind: 'error', text: (e as Error).message });
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(paths.split('\n').map((p) => p.trim()).filter(Boolean));
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const files = [...e.dataTransfer.files];
    if (!window.captionhub) {
      return setMessage({ kind: 'error', text: 'A browser cannot tell where a dropped file lives: type its full path below, or use the desktop app.' });
    }
    void submit(files.map((file) => window.captionhub!.pathForFile(file)).filter(Boolean));
  };

  return (
    <form
      className={`add-tasks${dragging ? ' dragging' : ''}`}
      onSubmit={onSubmit}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <p className="drop-hint">Drop videos here, or give their full paths, one per line.</p>
      <textarea aria-label="video paths" rows={3} value={paths} onChange={(e) => setPaths(e.target.value)} placeholder="/videos/talk.mp4" />
      <div className="row">
        <input aria-label="spoken language" value={language} onChange={(e) => setLanguage(e.target.value)} placeholder="Language (auto)" />
        <input aria-label="translate to" value={target} onChange={(e) => setTarget(e.target.value)} placeholder="Translate to (none)" />
        <button type="submit">Add to queue</button>
      </div>
      {message && (
        <p className={message.kind} role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </form>
  );
}
