import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Short names for the Whisper exports users ask for; any "owner/repo" works too. */
export const KNOWN_MODELS: Record<string, string> = {
  tiny: 'onnx-community/whisper-tiny',
  'tiny.en': 'onnx-community/whisper-tiny.en',
  base: 'onnx-community/whisper-base',
  'base.en': 'onnx-community/whisper-base.en',
  small: 'onnx-community/whisper-small',
  'small.en': 'onnx-community/whisper-small.en',
  medium: 'onnx-community/whisper-medium-ONNX',
  'large-v3': 'onnx-community/whisper-large-v3-ONNX',
  'large-v3-turbo': 'onnx-community/whisper-large-v3-turbo',
};

const CONFIG_FILES = ['config.json', 'generation_config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];

export type ModelVariant = '' | '_fp16' | '_quantized';

export interface InstalledModel {
  name: string;
  dir: string;
  variants: ModelVariant[];
  bytes: number;
}

export interface DownloadProgress {
  file: string;
  fileBytes: number;
  fileTotal: number | null;
  bytes: number;
  total: number;
}

export class ModelDownloadError extends Error {
  override name = 'ModelDownloadError';
}

interface RemoteFile {
  path: string;
  size: number;
  /** sha256 for LFS files; the git blob sha1 otherwise. */
  sha256?: string;
  gitSha1?: string;
}

export interface ModelManagerOptions {
  /** Where models live: one folder per model. */
  folder: string;
  /** The hub, or a mirror: HF_ENDPOINT, https://huggingface.co by default. */
  endpoint?: string;
  token?: string;
}

/**
 * The models folder: what is installed, and downloads from the Hugging Face hub (or a mirror)
 * with resume, size and checksum checks and progress. A failed download leaves a message that
 * says where the files can be placed by hand.
 */
export class ModelManager {
  readonly folder: string;
  readonly endpoint: string;

  constructor(private readonly options: ModelManagerOptions) {
    this.folder = options.folder;
    this.endpoint = (options.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  }

  /** The folder a model name maps to ("large-v3", or "owner/repo" with the slash made safe). */
  dirFor(name: string): string {
    return join(this.folder, name.replace(/[\\/]/g, '--'));
  }

  repoFor(name: string): string {
    const repo = KNOWN_MODELS[name] ?? (name.includes('/') ? name : undefined);
    if (!repo) throw new ModelDownloadError(`Unknown model '${name}': use one of ${Object.keys(KNOWN_MODELS).join(', ')}, or a Hugging Face repository such as onnx-community/whisper-small.`);
    return repo;
  }

  list(): InstalledModel[] {
    if (!existsSync(this.folder)) return [];
    return readdirSync(this.folder, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => this.inspect(entry.name))
      .filter((model): model is InstalledModel => model !== null);
  }

  /** An installed model by name, or null. */
  find(name: string): InstalledModel | null {
    return existsSync(this.dirFor(name)) ? this.inspect(this.dirFor(name).slice(this.folder.length + 1)) : null;
  }

  private inspect(folderName: string): InstalledModel | null {
    const dir = join(this.folder, folderName);
    if (!CONFIG_FILES.slice(0, 4).every((f) => existsSync(join(dir, f)))) return null;
    const variants = (['', '_fp16', '_quantized'] as ModelVariant[]).filter(
      (v) => existsSync(join(dir, 'onnx', `encoder_model${v}.onnx`)) && existsSync(join(dir, 'onnx', `decoder_model_merged${v}.onnx`)),
    );
    if (variants.length === 0) return null;
    return { name: folderName.replace(/--/g, '/'), dir, variants, bytes: folderSize(dir) };
  }

  /** Downloads what is missing of a model (one variant), resuming partial files. Returns its folder. */
  async download(name: string, options: { variant?: ModelVariant; signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void } = {}): Promise<string> {
    const repo = this.repoFor(name);
    const variant = options.variant ?? '';
    const dir = this.dirFor(name);
    const wanted = (path: string) =>
      CONFIG_FILES.includes(path) ||
      path === `onnx/encoder_model${variant}.onnx` ||
      path === `onnx/decoder_model_merged${variant}.onnx` ||
      path.startsWith(`onnx/encoder_model${variant}.onnx_data`) ||
      path.startsWith(`onnx/decoder_model_merged${variant}.onnx_data`);
    const files = (await this.listRemote(repo, dir)).filter((f) => wanted(f.path));
    for (const required of [`onnx/encoder_model${variant}.onnx`, `onnx/decoder_model_merged${variant}.onnx`, 'config.json', 'tokenizer.json']) {
      if (!files.some((f) => f.path === required)) throw new ModelDownloadError(`${repo} has no ${required}: it is not a Whisper export in the onnx-community layout.${this.byHand(dir)}`);
    }
    const total = files.reduce((sum, f) => sum + f.size, 0);
    let done = 0;
    for (const file of files) {
      const target = join(dir, file.path);
      if (existsSync(target) && statSync(target).size === file.size && (await verify(target, file))) {
        done += file.size;
        options.onProgress?.({ file: file.path, fileBytes: file.size, fileTotal: file.size, bytes: done, total });
        continue;
      }
      const before = done;
      await this.fetchFile(repo, file, target, options.signal, (fileBytes) => {
        done = before + fileBytes;
        options.onProgress?.({ file: file.path, fileBytes, fileTotal: file.size, bytes: done, total });
      });
    }
    return dir;
  }

  private async listRemote(repo: string, dir: string): Promise<RemoteFile[]> {
    const url = `${this.endpoint}/api/models/${repo}/tree/main?recursive=true`;
    let response: Response;
    try {
      response = await fetch(url, { headers: this.headers() });
    } catch (error) {
      throw new ModelDownloadError(`Cannot reach ${this.endpoint} to download ${repo}: ${describeFetchError(error)}.${this.byHand(dir)}`);
    }
    if (!response.ok) throw new ModelDownloadError(`${url} answered ${response.status} ${response.statusText}.${this.byHand(dir)}`);
    const entries = (await response.json()) as { type: string; path: string; size: number; oid?: string; lfs?: { oid: string; size: number } }[];
    return entries
      .filter((e) => e.type === 'file')
      .map((e) => ({ path: e.path, size: e.lfs?.size ?? e.size, ...(e.lfs ? { sha256: e.lfs.oid } : e.oid ? { gitSha1: e.oid } : {}) }));
  }

  /** Fetches into "<file>.part", continuing it with a Range request, then checks and renames. */
  private async fetchFile(repo: string, file: RemoteFile, target: string, signal: AbortSignal | undefined, onBytes: (bytes: number) => void): Promise<void> {
    mkdirSync(dirname(target), { recursive: true });
    const partial = `${target}.part`;
    let offset = existsSync(partial) ? statSync(partial).size : 0;
    if (offset > file.size) {
      rmSync(partial);
      offset = 0;
    }
    const url = `${this.endpoint}/${repo}/resolve/main/${file.path}`;
    if (offset < file.size) {
      let response: Response;
      try {
        response = await fetch(url, { headers: { ...this.headers(), ...(offset > 0 && { Range: `bytes=${offset}-` }) }, ...(signal && { signal }) });
      } catch (error) {
        throw new ModelDownloadError(`Downloading ${file.path} of ${repo} failed: ${describeFetchError(error)}. It resumes where it stopped next time.${this.byHand(dirname(target), file.path)}`);
      }
      if (!response.ok) throw new ModelDownloadError(`${url} answered ${response.status} ${response.statusText}.${this.byHand(dirname(target), file.path)}`);
      if (response.status !== 206) offset = 0; // the server ignored the range: start over
      const handle = await open(partial, offset === 0 ? 'w' : 'a');
      let written = offset;
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          await handle.write(chunk);
          written += chunk.length;
          onBytes(written);
        }
      } catch (error) {
        throw new ModelDownloadError(`Downloading ${file.path} of ${repo} stopped at ${written} of ${file.size} bytes: ${describeFetchError(error)}. It resumes where it stopped next time.`);
      } finally {
        await handle.close();
      }
    }
    const size = statSync(partial).size;
    if (size !== file.size) throw new ModelDownloadError(`${file.path} of ${repo}: got ${size} bytes, expected ${file.size}. It resumes where it stopped next time.`);
    if (!(await verify(partial, file))) {
      rmSync(partial);
      throw new ModelDownloadError(`${file.path} of ${repo} failed its checksum and was deleted; try again.`);
    }
    renameSync(partial, target);
  }

  private headers(): Record<string, string> {
    const token = this.options.token ?? process.env.HF_TOKEN;
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  private byHand(dir: string, file?: string): string {
    return ` You can also place the model's files by hand in ${dir} (config.json, generation_config.json, preprocessor_config.json, tokenizer.json, onnx/encoder_model.onnx, onnx/decoder_model_merged.onnx)${file ? `; missing: ${file}` : ''}.`;
  }
}

/** sha256 for LFS files, git's blob sha1 for the small ones the hub stores in git. */
async function verify(path: string, file: RemoteFile): Promise<boolean> {
  if (!file.sha256 && !file.gitSha1) return true;
  const hash = createHash(file.sha256 ? 'sha256' : 'sha1');
  if (!file.sha256) hash.update(`blob ${statSync(path).size}\0`);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex') === (file.sha256 ?? file.gitSha1);
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

function folderSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderSize(path) : statSync(path).size;
  }
  return total;
}
