/**
 * `vaoci rmi` and `vaoci prune`: forget images and free the layers nothing
 * needs any more. Decisions are taken under the cache lock on one view of
 * the cache; a doomed layer is only renamed there, to a temporary name of
 * the form unpack.ts uses (.tmp-HEX-PID-RANDOM: kept while this process
 * lives, swept by the next unpack or prune if it dies), and deleted after
 * the lock is released, so a big delete never holds up a `vaoci run`.
 * A layer stays whatever is asked while a live lease, an overlay mount or
 * an image of an index container needs it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure, badInput } from '../errors';
import type { ContainerEntry } from '../run/state';
import { CachePaths, HEX, type ImageRecord, listNames, readLeases, readRecord } from './cache';
import { alive, withCacheLock } from './cache-lock';
import { type CacheView, diskUse, hexOf, shortId, viewCache } from './cache-usage';
import { randomHex } from '../random';

/** RemovedImage names an image removed from the cache (schemas/cli-rmi.schema.json, $defs/image). */
export interface RemovedImage {
  id: string;
  config_digest: string;
  references: string[];
}

/** RmiResult is what `vaoci rmi --json` prints. */
export interface RmiResult {
  removed: RemovedImage[];
  /** layers deleted, as digests. */
  layers: string[];
  /** kept_layers: layers of the removed images that stay because a container or a starting vaoci run still uses them. */
  kept_layers: string[];
  freed_bytes: number;
}

/** PruneResult is what `vaoci prune --json` prints. */
export interface PruneResult {
  containers: string[];
  images: RemovedImage[];
  layers: string[];
  /** partial: entries an interrupted unpack, rmi or prune left (names under CACHE). */
  partial: string[];
  freed_bytes: number;
}

/** Detached is what the locked part hands over: paths to delete, each already renamed out of the cache's sight. */
interface Detached {
  paths: string[];
  bytes: number;
}

/** rmi removes the images `names` (references or id prefixes); one in use by an index container is refused unless `force`. */
export async function rmi(cacheDir: string, containers: ContainerEntry[], names: string[], force: boolean): Promise<RmiResult> {
  const paths = new CachePaths(cacheDir);
  const { result, detached } = withCacheLock(cacheDir, () => {
    checkDirs(paths);
    const view = viewCache(cacheDir, containers);
    const asked = names.map((n): [string, ImageRecord] => [n, resolveImage(view.records, n)]); // every name checked before anything goes
    if (!force) for (const [n, t] of asked) refuseInUse(view, t, n);
    const targets = unique(asked.map(([, t]) => t));
    for (const t of targets) fs.rmSync(paths.record(t.config_digest), { force: true });
    const gone = new Set(targets.map((t) => t.config_digest));
    const keep = keptLayers(view, gone);
    const theirs = [...new Set(targets.flatMap((t) => t.layers.map(hexOf)))].filter((h) => view.onDisk.has(h));
    const doomed = theirs.filter((h) => !keep.has(h));
    return {
      result: {
        removed: targets.map(removedImage),
        layers: doomed.map((h) => `sha256:${h}`),
        kept_layers: theirs.filter((h) => view.busy.has(h) && !stillListed(view, gone, h)).map((h) => `sha256:${h}`),
        freed_bytes: 0,
      },
      detached: { paths: detachAll(paths, doomed), bytes: 0 },
    };
  });
  result.freed_bytes = await purge(detached);
  return result;
}

/** prune removes every image no index container (nor starting vaoci run) uses, the layers left unused, and the leftovers of interrupted runs. */
export async function prune(cacheDir: string, containers: ContainerEntry[]): Promise<Omit<PruneResult, 'containers'>> {
  const paths = new CachePaths(cacheDir);
  const { result, detached } = withCacheLock(cacheDir, () => {
    checkDirs(paths);
    const view = viewCache(cacheDir, containers);
    const detached: Detached = { paths: [], bytes: 0 };
    const partial = sweepPartial(paths, detached);
    const unused = view.records.filter((r) => !view.usersOf.has(r.config_digest) && !view.leased.has(r.config_digest));
    for (const r of unused) {
      detached.bytes += diskUse(paths.record(r.config_digest));
      fs.rmSync(paths.record(r.config_digest), { force: true });
    }
    const keep = keptLayers(view, new Set(unused.map((r) => r.config_digest)));
    const doomed = [...view.onDisk].filter((h) => !keep.has(h)).sort();
    detached.paths.push(...detachAll(paths, doomed));
    return { result: { images: unused.map(removedImage), layers: doomed.map((h) => `sha256:${h}`), partial, freed_bytes: 0 }, detached };
  });
  result.freed_bytes = await purge(detached);
  return result;
}

/** resolveImage finds the one image `name` means: a reference exactly, else a prefix of its config digest (with or without `sha256:`). */
export function resolveImage(records: ImageRecord[], name: string): ImageRecord {
  const byRef = records.filter((r) => r.references.includes(name));
  const prefix = /^(sha256:)?[0-9a-f]{1,64}$/.test(name) ? name.replace(/^sha256:/, '') : null;
  const hits = byRef.length ? byRef : prefix ? records.filter((r) => hexOf(r.config_digest).startsWith(prefix)) : [];
  if (hits.length === 1) return hits[0];
  if (!hits.length)
    throw badInput(`IMAGE \`${name}\`: no such image in the cache — expected a reference or an IMAGE ID from \`vaoci images\``);
  throw badInput(
    `IMAGE \`${name}\`: matches ${hits.length} images (${hits.map((h) => shortId(h.config_digest)).join(', ')}) — expected a longer IMAGE ID`,
  );
}

/** refuseInUse fails with one line when a container of the index, or a vaoci run starting now, uses the image. */
function refuseInUse(view: CacheView, r: ImageRecord, name: string): void {
  const ids = view.usersOf.get(r.config_digest) ?? [];
  if (ids.length) {
    throw badInput(
      `IMAGE \`${name}\`: used by ${ids.length === 1 ? 'container' : 'containers'} ${ids.join(', ')} — expected an image no container uses (vaoci rm them first), or --force`,
    );
  }
  const pids = view.leased.get(r.config_digest) ?? [];
  if (pids.length)
    throw badInput(
      `IMAGE \`${name}\`: being started by vaoci run (pid ${pids.join(', ')}) — expected an image no container uses, or --force`,
    );
}

/** keptLayers: every layer a record that stays lists, and every busy one (leased, mounted, an index container's). */
function keptLayers(view: CacheView, gone: Set<string>): Set<string> {
  const keep = new Set(view.busy);
  for (const r of view.records) if (!gone.has(r.config_digest)) for (const l of r.layers) keep.add(hexOf(l));
  return keep;
}

function stillListed(view: CacheView, gone: Set<string>, hex: string): boolean {
  return view.records.some((r) => !gone.has(r.config_digest) && r.layers.some((l) => hexOf(l) === hex));
}

/**
 * sweepPartial detaches what interrupted work left: unpack temporaries
 * (and our own detached layers) whose process is gone, a layer entry without
 * its `fs`, records that do not read back, atomic-write temporaries of
 * dead processes; and, quietly, dead runs' leases. Names it does not know
 * are left alone.
 */
function sweepPartial(paths: CachePaths, out: Detached): string[] {
  const swept: string[] = [];
  for (const n of listNames(paths.layers)) {
    const tmp = /^\.tmp-([0-9a-f]{64})-(\d+)-[0-9a-f]+$/.exec(n); // unpack.ts's form; any other .tmp- is stale, as unpack's removeStale says
    const dead = n.startsWith('.tmp-') && !(tmp && alive({ pid: Number(tmp[2]), start: null }));
    const broken = HEX.test(n) && !isDirectory(path.join(paths.layers, n, 'fs'));
    if (!dead && !broken) continue;
    const to = detach(paths, n, HEX.test(n) ? n : (tmp?.[1] ?? '0'.repeat(64)));
    if (!to) continue;
    out.paths.push(to);
    swept.push(`layers/sha256/${n}`);
  }
  const files: Array<[string, string, (n: string) => boolean]> = [
    [paths.images, 'images/sha256', (n) => /^[0-9a-f]{64}\.json$/.test(n) && readRecord(path.join(paths.images, n)) === null],
    [paths.leases, 'leases', () => false],
  ];
  for (const [dir, rel, stale] of files) {
    for (const n of listNames(dir)) {
      const m = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/.exec(n); // writeAtomic's temporary
      if (!(m ? !alive({ pid: Number(m[1]), start: null }) : stale(n))) continue;
      const file = path.join(dir, n);
      if (!fs.lstatSync(file, { throwIfNoEntry: false })?.isFile()) continue;
      out.bytes += diskUse(file);
      fs.rmSync(file, { force: true });
      swept.push(`${rel}/${n}`);
    }
  }
  // A dead run's lease is bookkeeping, not a leftover worth a line: it goes quietly.
  for (const l of readLeases(paths)) if (!l.live) fs.rmSync(path.join(paths.leases, l.name), { force: true });
  return swept;
}

/** detachAll detaches complete layers by hex. */
function detachAll(paths: CachePaths, hexes: string[]): string[] {
  return hexes.map((h) => detach(paths, h, h)).filter((p): p is string => p !== null);
}

/** detach renames the entry `name` of layers/sha256 to a temporary of ours and returns its path (null: gone meanwhile, an unpack swept it). */
function detach(paths: CachePaths, name: string, hex: string): string | null {
  const to = path.join(paths.layers, `.tmp-${hex}-${process.pid}-${randomHex(4)}`);
  try {
    fs.renameSync(path.join(paths.layers, name), to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return to;
}

/** purge measures and deletes what was detached; returns the bytes freed. fs.rm unlinks symlinks, never follows them. */
async function purge(d: Detached): Promise<number> {
  let bytes = d.bytes;
  for (const p of d.paths) {
    bytes += diskUse(p);
    await fs.promises.rm(p, { recursive: true, force: true });
  }
  return bytes;
}

/** checkDirs refuses a cache whose directories are symlinks: deleting through one would reach outside the cache. */
function checkDirs(paths: CachePaths): void {
  for (const d of [path.dirname(paths.layers), paths.layers, path.dirname(paths.images), paths.images, paths.leases]) {
    const st = fs.lstatSync(d, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) throw new Failure(`\`${d}\`: not a directory (a symlink?) — expected the cache's own directory`, 'system');
  }
}

function isDirectory(p: string): boolean {
  return fs.lstatSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function removedImage(r: ImageRecord): RemovedImage {
  return { id: shortId(r.config_digest), config_digest: r.config_digest, references: r.references };
}

function unique(rs: ImageRecord[]): ImageRecord[] {
  return rs.filter((r, i) => rs.findIndex((x) => x.config_digest === r.config_digest) === i);
}
