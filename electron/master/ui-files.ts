import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

/** Where `npm run build` puts the renderer: dist/renderer under the app's root (the folder with package.json). */
export function defaultUiDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'renderer');
}

/** Serves the built renderer at `/`; without a build, `/` says how to make one. */
export function uiFiles(uiDir: string): Router {
  const router = express.Router();
  router.use(express.static(uiDir, { index: 'index.html' }));
  router.get('/', (_req, res) => {
    res
      .status(503)
      .type('text/plain')
      .send(`The CaptionHub UI is not built (looked in ${uiDir}). Run "npm run build", or use the REST API under /api.`);
  });
  return router;
}
