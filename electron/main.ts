// Electron's main process, kept thin: it starts the master (plain Node code under ./master),
// shows the UI the master serves, and keeps a tray icon. Nothing here holds logic worth testing.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, utilityProcess, type Tray, type UtilityProcess } from 'electron';
import { createLogger } from '../common/logger.js';
import { resolveMasterConfig } from './master/config.js';
import { createMaster, type Master } from './master/server.js';
import { createTray } from './tray.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const logger = createLogger('electron');
let master: Master | null = null;
let localWorker: UtilityProcess | null = null;
let window: BrowserWindow | null = null;
let tray: Tray | null = null;
let quitting = false;

function showWindow(): void {
  if (!master) return;
  if (window) {
    window.show();
    window.focus();
    return;
  }
  window = new BrowserWindow({
    width: 1200,
    height: 800,
    title: 'CaptionHub',
    webPreferences: { preload: join(here, 'preload.cjs'), contextIsolation: true, sandbox: true },
  });
  // With a token configured the page needs it too; it takes it from the address once.
  const page = new URL(master.url);
  if (master.config.token) page.searchParams.set('access_token', master.config.token);
  void window.loadURL(page.toString());
  // The window shows the master's page and nothing else (a stray drop or link must not replace it).
  window.webContents.on('will-navigate', (event, url) => {
    if (new URL(url).origin !== page.origin) event.preventDefault();
  });
  // Closing the window hides it: the queue keeps running from the tray.
  window.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    window?.hide();
  });
  window.on('closed', () => (window = null));
}

async function start(): Promise<void> {
  const config = resolveMasterConfig({ data: process.env.CAPTIONHUB_DATA ?? app.getPath('userData') });
  master = await createMaster(config, { logger: logger.child('master') });
  logger.info('master started', { url: master.url, hub: master.hubUrl });
  // The local worker runs its model in a utility process, so inference never stalls the window.
  localWorker = utilityProcess.fork(join(here, '..', 'worker', 'utility-entry.js'), [], {
    serviceName: 'CaptionHub local worker',
    env: { ...process.env, RPC_MASTER_URL: master.hubUrl, CAPTIONHUB_WORKER_ID: 'local', CAPTIONHUB_DATA: config.dataDir, ...(config.token && { CAPTIONHUB_TOKEN: config.token }) },
  });
  localWorker.on('exit', (code) => logger.warn('local worker exited', { code }));
  const running = master;
  tray = createTray(join(here, '..', '..', 'resources', 'tray.png'), {
    open: showWindow,
    quit: () => app.quit(),
    paused: () => running.scheduler.paused,
    setPaused: (paused) => (paused ? running.scheduler.pause() : running.scheduler.resume()),
  });
  showWindow();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', showWindow);
  app.on('window-all-closed', () => {
    // Stay alive in the tray.
  });
  app.on('before-quit', (event) => {
    if (!master || quitting) return;
    quitting = true;
    event.preventDefault();
    const stopping = master;
    master = null;
    tray?.destroy();
    localWorker?.kill();
    void stopping.stop().finally(() => app.exit(0));
  });
  app.whenReady().then(start, (error: unknown) => {
    logger.error('failed to start', { error: String(error) });
    app.exit(1);
  });
}
