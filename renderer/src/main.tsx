import { createRoot } from 'react-dom/client';
import { App } from './app.js';

// A file dropped outside the drop zone must not make the window navigate away to it.
for (const type of ['dragover', 'drop'] as const) window.addEventListener(type, (event) => event.preventDefault());

createRoot(document.getElementById('root')!).render(<App />);
