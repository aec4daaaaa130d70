import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

export interface HubOptions {
  /** Cut the connection after this many bytes of the first request for each of these files. */
  dropAfter?: Record<string, number>;
  /** Serve these files with one byte changed (the listing keeps the true checksum). */
  corrupt?: string[];
}

/**
 * A stand-in for the Hugging Face hub on 127.0.0.1: the tree API with sizes and checksums (LFS
 * sha256 for the large files, git blob sha1 for the rest) and resolve URLs that honour Range.
 */
export async function startModelHub(repo: string, modelDir: string, options: HubOptions = {}) {
  const files = walk(modelDir).map((path) => {
    const data = readFileSync(join(modelDir, path));
    const lfs = path.endsWith('.onnx') || data.length > 1_000_000;
    return {
      path,
      data,
      listing: lfs
        ? { type: 'file', path, size: data.length, oid: 'x', lfs: { oid: createHash('sha256').update(data).digest('hex'), size: data.length } }
        : { type: 'file', path, size: data.length, oid: createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex') },
    };
  });
  const dropped = new Set<string>();
  const requests: { path: string; range: string | undefined }[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === `/api/models/${repo}/tree/main`) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify([{ type: 'directory', path: 'onnx' }, ...files.map((f) => f.listing)]));
      return;
    }
    const prefix = `/${repo}/resolve/main/`;
    const file = url.pathname.startsWith(prefix) ? files.find((f) => f.path === url.pathname.slice(prefix.length)) : undefined;
    if (!file) {
      res.writeHead(404).end('Entry not found');
      return;
    }
    requests.push({ path: file.path, range: req.headers.range });
    let data = file.data;
    if (options.corrupt?.includes(file.path)) {
      data = Buffer.from(data);
      data[0] = data[0]! ^ 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = data.subarray(start);
    res.writeHead(range ? 206 : 200, { 'Content-Length': body.length, ...(range && { 'Content-Range': `bytes ${start}-${data.length - 1}/${data.length}` }) });
    const cut = options.dropAfter?.[file.path];
    if (cut !== undefined && !dropped.has(file.path)) {
      dropped.add(file.path);
      res.write(body.subarray(0, cut), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function walk(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path, root) : [relative(root, path)];
  });
}
