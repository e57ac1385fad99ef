/**
 * The image cache's bookkeeping, beside the layers unpack.ts writes:
 *
 *   CACHE/layers/sha256/HEX/fs        a layer (unpack.ts)
 *   CACHE/images/sha256/HEX.json      one record per image config: its
 *                                     references, platform, layers, last use
 *   CACHE/leases/PID-RANDOM.json      "this vaoci run uses these layers":
 *                                     valid while that process lives
 *   CACHE/cache.lock                  cache-lock.ts
 *
 * The layers alone cannot say which image they belong to, so `vaoci run`
 * records the image when it unpacks it (recordImage) and leases its layers
 * before it even looks at the cache (leaseLayers): a prune running
 * meanwhile sees the lease and keeps them until the container is in the
 * index. Records and leases are written atomically; every path here is
 * built from a digest that matched DIGEST, never from a name read on disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomic } from '../atomic';
import { Failure } from '../errors';
import { randomHex } from '../random';
import { validate } from '../schema';
import { type Holder, alive, self, withCacheLock } from './cache-lock';
import { digestHex } from './digest';
import type { LoadedImage } from './source';

/** DIGEST is the only digest form the cache knows. */
export const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** HEX is a cache entry's name: a digest's hex. */
export const HEX = /^[0-9a-f]{64}$/;

/** RECORD_SCHEMA checks a record read back (schemas/cli-images.schema.json, $defs/record). */
const RECORD_SCHEMA = 'https://vaoci.io/schemas/cli-images.schema.json#/$defs/record';

/** ImageRecord is CACHE/images/sha256/HEX.json: what vaoci run knew of an image when it last used it. */
export interface ImageRecord {
  version: 1;
  config_digest: string;
  /** references this image was run as, newest first; empty once another image took the last of them (a dangling image). */
  references: string[];
  platform: string;
  /** layers, lowest first, as the manifest lists them (an empty layer may repeat). */
  layers: string[];
  last_used: string;
}

/** Lease is CACHE/leases/*.json: layers a live vaoci run is using. */
export interface Lease extends Holder {
  config_digest: string;
  layers: string[];
}

/** CachePaths names the parts of a cache directory. */
export class CachePaths {
  constructor(readonly dir: string) {}

  get layers(): string {
    return path.join(this.dir, 'layers', 'sha256');
  }
  get images(): string {
    return path.join(this.dir, 'images', 'sha256');
  }
  get leases(): string {
    return path.join(this.dir, 'leases');
  }
  /** layer is a layer's entry (its `fs` inside); digestHex refuses anything but sha256:<64 hex>. */
  layer(digest: string): string {
    return path.join(this.layers, digestHex(digest, 'layer'));
  }
  record(configDigest: string): string {
    return path.join(this.images, `${digestHex(configDigest, 'image config')}.json`);
  }
}

/** readRecords returns every valid record; an unreadable or invalid one is skipped here and removed by prune. */
export function readRecords(paths: CachePaths): ImageRecord[] {
  return listNames(paths.images)
    .filter((n) => HEX.test(n.replace(/\.json$/, '')) && n.endsWith('.json'))
    .map((n) => readRecord(path.join(paths.images, n)))
    .filter((r): r is ImageRecord => r !== null);
}

/** readRecord reads one record; null when it is not one (or names another digest than its file). */
export function readRecord(file: string): ImageRecord | null {
  try {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as ImageRecord;
    if (validate(RECORD_SCHEMA, doc).length) return null;
    return path.basename(file) === `${doc.config_digest.slice('sha256:'.length)}.json` ? doc : null;
  } catch {
    return null;
  }
}

/**
 * recordImage notes that `image` was just used: its record gets the
 * reference first and a new last_used; any other image holding the same
 * reference loses it (as with a tag, the name moves to the newest image).
 */
export function recordImage(
  cacheDir: string,
  image: Pick<LoadedImage, 'reference' | 'configDigest' | 'platform' | 'layers'>,
  now = new Date(),
): ImageRecord {
  const paths = new CachePaths(cacheDir);
  const file = paths.record(image.configDigest);
  return withCacheLock(cacheDir, () => {
    fs.mkdirSync(paths.images, { recursive: true, mode: 0o700 });
    for (const other of readRecords(paths)) {
      if (other.config_digest === image.configDigest || !other.references.includes(image.reference)) continue;
      writeRecord(paths, { ...other, references: other.references.filter((r) => r !== image.reference) });
    }
    const old = readRecord(file);
    const record: ImageRecord = {
      version: 1,
      config_digest: image.configDigest,
      references: [image.reference, ...(old?.references ?? []).filter((r) => r !== image.reference)],
      platform: image.platform,
      layers: image.layers.map((l) => l.digest),
      last_used: now.toISOString(),
    };
    writeRecord(paths, record);
    return record;
  });
}

/** writeRecord writes a record atomically (0600, like the rest of the state: root's). */
export function writeRecord(paths: CachePaths, record: ImageRecord): void {
  writeAtomic(paths.record(record.config_digest), `${JSON.stringify(record, null, 2)}\n`, 0o600);
}

/** leaseLayers writes this process's lease on the image's layers (under the lock, so no prune is half-way through deciding); it goes when the process exits. */
export function leaseLayers(cacheDir: string, image: Pick<LoadedImage, 'configDigest' | 'layers'>): void {
  const paths = new CachePaths(cacheDir);
  const lease: Lease = { ...self(), config_digest: image.configDigest, layers: image.layers.map((l) => l.digest) };
  for (const d of [lease.config_digest, ...lease.layers]) digestHex(d, 'lease');
  const file = path.join(paths.leases, `${lease.pid}-${randomHex(4)}.json`);
  withCacheLock(cacheDir, () => {
    fs.mkdirSync(paths.leases, { recursive: true, mode: 0o700 });
    for (const l of readLeases(paths)) if (!l.live) fs.rmSync(path.join(paths.leases, l.name), { force: true }); // a killed run's
    writeAtomic(file, JSON.stringify(lease), 0o600);
  });
  releaseAtExit(file);
}

/** ownLeases are this process's lease files; one exit listener removes them all (a killed process leaves them to the next run or prune). */
const ownLeases = new Set<string>();

function releaseAtExit(file: string): void {
  if (!ownLeases.size) process.once('exit', () => ownLeases.forEach((f) => fs.rmSync(f, { force: true })));
  ownLeases.add(file);
}

/** LeaseFile is a lease and its file name. */
export interface LeaseFile {
  name: string;
  lease: Lease | null;
  live: boolean;
}

/** readLeases reads every lease: live ones keep their layers; dead or unreadable ones are prune's to remove. */
export function readLeases(paths: CachePaths): LeaseFile[] {
  return listNames(paths.leases)
    .filter((n) => /^\d+-[0-9a-f]+\.json$/.test(n))
    .map((name) => {
      let lease: Lease | null;
      try {
        const doc = JSON.parse(fs.readFileSync(path.join(paths.leases, name), 'utf8')) as Lease;
        const ok =
          Number.isInteger(doc.pid) &&
          DIGEST.test(doc.config_digest) &&
          Array.isArray(doc.layers) &&
          doc.layers.every((l) => DIGEST.test(l));
        lease = ok ? doc : null;
      } catch {
        lease = null;
      }
      return { name, lease, live: lease !== null && alive(lease) };
    });
}

/** listNames lists a directory's entries; none when it does not exist yet. */
export function listNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** asFailure turns a system call's error (EACCES reading root's cache, say) into one line; anything else is rethrown as it is. */
export function asFailure(e: unknown): never {
  const err = e as NodeJS.ErrnoException;
  if (!(e instanceof Failure) && err?.code && err.syscall)
    throw new Failure(`${err.syscall} \`${err.path ?? '?'}\`: ${err.code}`, 'system');
  throw e;
}
