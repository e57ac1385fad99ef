/**
 * unpackImage: every layer of an image into the layer cache, once.
 * Layout: CACHE/layers/sha256/<hex of the blob digest>/fs, each `fs` an
 * overlayfs lowerdir as it is. A layer is extracted into
 * CACHE/layers/sha256/.tmp-<hex>-<pid>-<random>/fs, flushed with `sync -f`,
 * and renamed into place only when complete, so an interrupted or failed
 * unpack leaves no half entry; the next run removes temporaries whose
 * process is gone. A layer already in the cache is not read at all.
 * cache.ts keeps the rest of the bookkeeping: a lease on the image's layers
 * while this process lives, and the image's record once all are in.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure } from '../errors';
import { leaseLayers, recordImage } from './cache';
import { digestHex, shortDigest } from './digest';
import { extractLayer } from './extract';
import { requireRoot } from './privileges';
import type { LayerBlob, LoadedImage } from './source';
import { randomHex } from '../random';

/** UnpackOptions: the cache directory, and who draws progress (bytes done and total of the layer being read, and its short digest). */
export interface UnpackOptions {
  cacheDir: string;
  onProgress?: (done: number, total: number, what: string) => void;
}

/** UnpackResult: each layer's lowerdir, lowest first, and whether it came from the cache. */
export interface UnpackResult {
  layerDirs: string[];
  cached: boolean[];
  /** skipped lists, per layer, the entries left out on purpose (device nodes, FIFOs). */
  skipped: string[][];
}

const TMP_PREFIX = '.tmp-';

/** layerDir is where a layer of this digest lives in the cache. */
export function layerDir(cacheDir: string, digest: string): string {
  return path.join(cacheDir, 'layers', 'sha256', digestHex(digest, 'layer'), 'fs');
}

/** unpackImage puts every layer of `image` in the cache and returns their directories; needs root. */
export async function unpackImage(image: LoadedImage, opts: UnpackOptions): Promise<UnpackResult> {
  requireRoot();
  const base = path.join(opts.cacheDir, 'layers', 'sha256');
  // 0700: layers keep their setuid files; only root may reach them outside a container.
  await fs.promises.mkdir(path.join(opts.cacheDir, 'layers'), { recursive: true, mode: 0o700 });
  await fs.promises.mkdir(base, { recursive: true, mode: 0o700 });
  leaseLayers(opts.cacheDir, image); // before any layer is looked at: a concurrent vaoci prune keeps them (cache.ts)
  await removeStale(base);
  const result: UnpackResult = { layerDirs: [], cached: [], skipped: [] };
  for (const [i, layer] of image.layers.entries()) {
    const dir = layerDir(opts.cacheDir, layer.digest);
    const label = shortDigest(layer.digest);
    const hit = fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
    if (hit) opts.onProgress?.(layer.size, layer.size, label);
    const skipped = hit
      ? []
      : await unpackLayer(layer, base, `layer ${i + 1}/${image.layers.length} ${layer.digest}`, (done) =>
          opts.onProgress?.(done, layer.size, label),
        );
    result.layerDirs.push(dir);
    result.cached.push(hit);
    result.skipped.push(skipped);
  }
  recordImage(opts.cacheDir, image); // what vaoci images lists, rmi and prune decide on: the layers alone do not say their image
  return result;
}

/** unpackLayer extracts one layer into a temporary directory and renames it into place. */
async function unpackLayer(layer: LayerBlob, base: string, what: string, onBytes: (done: number) => void): Promise<string[]> {
  const hex = digestHex(layer.digest, what);
  const tmp = path.join(base, `${TMP_PREFIX}${hex}-${process.pid}-${randomHex(4)}`);
  try {
    await fs.promises.rm(path.join(base, hex), { recursive: true, force: true }); // an entry without its fs/ is not a cache hit: redo it
    await fs.promises.mkdir(tmp, { mode: 0o700 });
    await fs.promises.mkdir(path.join(tmp, 'fs'));
    await fs.promises.chmod(path.join(tmp, 'fs'), 0o755); // the layer's / until its `./` entry, if any, says otherwise; whatever the umask
    const { skipped } = await extractLayer(layer, path.join(tmp, 'fs'), what, onBytes);
    flush(tmp, what);
    await fs.promises.rename(tmp, path.join(base, hex)).catch(async (e: NodeJS.ErrnoException) => {
      // Another vaoci unpacked the same layer meanwhile: its copy is as good as ours.
      if (e.code !== 'EEXIST' && e.code !== 'ENOTEMPTY') throw e;
      await fs.promises.rm(tmp, { recursive: true, force: true });
    });
    return skipped;
  } catch (e) {
    await fs.promises.rm(tmp, { recursive: true, force: true });
    if (e instanceof Failure) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new Failure(`${what}: ${err.syscall ?? 'unpack'} \`${err.path ?? tmp}\`: ${err.code ?? err.message}`, 'system');
  }
}

/** flush writes the layer's files to disk before the rename publishes them (one `sync -f` for the filesystem). */
function flush(dir: string, what: string): void {
  const r = spawnSync('sync', ['-f', dir], { stdio: 'ignore' });
  if (r.status !== 0) throw new Failure(`${what}: sync -f \`${dir}\` failed — expected the layer on disk`, 'system');
}

/** removeStale removes temporaries left by unpacks whose process is gone (a crash, a kill). */
async function removeStale(base: string): Promise<void> {
  for (const name of await fs.promises.readdir(base)) {
    const m = /^\.tmp-[0-9a-f]{64}-(\d+)-[0-9a-f]+$/.exec(name);
    if (!name.startsWith(TMP_PREFIX) || (m && alive(Number(m[1])))) continue;
    await fs.promises.rm(path.join(base, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
