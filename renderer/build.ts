// Bundles the React renderer into a folder the master serves at `/` (dist/renderer by default):
// index.html, styles.css, the app icon and one app.js made by esbuild.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildRenderer(outDir = join(here, '..', 'dist', 'renderer')): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(here, 'src', 'main.tsx')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120'],
    minify: true,
    sourcemap: true,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  copyFileSync(join(here, 'index.html'), join(outDir, 'index.html'));
  copyFileSync(join(here, 'src', 'styles.css'), join(outDir, 'styles.css'));
  copyFileSync(join(here, '..', 'resources', 'icon.png'), join(outDir, 'icon.png'));
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildRenderer(process.argv[2]);
  console.log(`renderer built into ${out}`);
}
