import { existsSync, statSync } from 'node:fs';
import type { DownloadProgress, ModelManager } from './model-manager.js';

/** A model argument to a folder: an existing folder as is, else an installed model, else a download. */
export async function resolveModelDir(model: string, manager: ModelManager, onProgress?: (p: DownloadProgress) => void, variant: '' | '_fp16' | '_quantized' = ''): Promise<string> {
  if (existsSync(model) && statSync(model).isDirectory()) return model;
  const installed = manager.find(model);
  if (installed?.variants.includes(variant)) return installed.dir;
  return manager.download(model, { variant, ...(onProgress && { onProgress }) });
}
