/**
 * What the cache holds and who uses it: the disk a layer takes, the layers
 * an overlay mount of this host has as lowerdirs, and the cache's view
 * (records, layers on disk, leases, the containers of the index) that
 * `vaoci images`, `vaoci rmi` and `vaoci prune` decide on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerEntry } from '../run/state';
import { CachePaths, HEX, type ImageRecord, listNames, readLeases, readRecords } from './cache';

/** diskUse is the disk a tree takes (allocated blocks, a hard link counted once); symlinks are measured, never followed. */
export function diskUse(root: string): number {
  const seen = new Set<string>();
  let bytes = 0;
  const stack = [root];
  while (stack.length) {
    const p = stack.pop() as string;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      continue; // removed meanwhile
    }
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    bytes += st.blocks * 512;
    if (st.isDirectory()) for (const n of listNames(p)) stack.push(path.join(p, n));
  }
  return bytes;
}

/**
 * mountedLayers is the hex of every layer of `layersDir` that some overlay
 * mount of this host has as a lowerdir. mountRootfs gives lowerdirs as
 * LAYERS/HEX/fs, absolute — the kernel shows them as given, so the
 * directory above is compared by its real path (a symlinked $VAOCI_STATE
 * still matches) — or, when the options would be too long, relative to
 * LAYERS: those name no cache, so they count whatever cache they are in,
 * which can only keep a layer too many, never one too few.
 */
export function mountedLayers(layersDir: string, mountinfo = readMountinfo()): Set<string> {
  const ours = realOr(layersDir);
  const hexes = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const [, rest] = line.split(' - ');
    if (!rest?.startsWith('overlay ')) continue;
    const lower = /(?:^|,)lowerdir=([^,]*)/.exec(rest.split(' ')[2] ?? '')?.[1] ?? '';
    for (const entry of lower.split(':')) {
      const m = /(?:^|\/)([0-9a-f]{64})\/fs\/?$/.exec(entry);
      if (m && (!entry.startsWith('/') || realOr(path.dirname(path.dirname(entry))) === ours)) hexes.add(m[1]);
    }
  }
  return hexes;
}

/** realOr is a path's real path, or the path itself when it cannot be resolved (gone). */
function realOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function readMountinfo(): string {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8');
}

/** CacheView is one look at the cache and at what uses it. */
export interface CacheView {
  paths: CachePaths;
  records: ImageRecord[];
  /** onDisk is the hex of every complete layer (an entry with its `fs`). */
  onDisk: Set<string>;
  /** usersOf maps a config digest to the ids of the index's containers made from it. */
  usersOf: Map<string, string[]>;
  /** leased maps a config digest to the pids of live vaoci runs that leased it. */
  leased: Map<string, number[]>;
  /** busy is the hex of every layer that must stay: leased, mounted, or an image of an index container lists it. */
  busy: Set<string>;
}

/** viewCache looks at the cache under `cacheDir` with the index's `containers`. */
export function viewCache(cacheDir: string, containers: ContainerEntry[], mountinfo?: string): CacheView {
  const paths = new CachePaths(cacheDir);
  const records = readRecords(paths);
  const onDisk = new Set(listNames(paths.layers).filter((n) => HEX.test(n) && isDir(path.join(paths.layers, n, 'fs'))));
  const usersOf = new Map<string, string[]>();
  for (const c of containers) usersOf.set(c.config_digest, [...(usersOf.get(c.config_digest) ?? []), c.id]);
  const leased = new Map<string, number[]>();
  const busy = mountedLayers(paths.layers, mountinfo);
  for (const { lease, live } of readLeases(paths)) {
    if (!live || !lease) continue;
    leased.set(lease.config_digest, [...(leased.get(lease.config_digest) ?? []), lease.pid]);
    for (const l of lease.layers) busy.add(hexOf(l));
  }
  for (const r of records) if (usersOf.has(r.config_digest)) for (const l of r.layers) busy.add(hexOf(l));
  return { paths, records, onDisk, usersOf, leased, busy };
}

/** hexOf is a digest's hex (digests here passed DIGEST already). */
export function hexOf(digest: string): string {
  return digest.slice('sha256:'.length);
}

/** shortId is an image's id as images prints it and rmi takes it: 12 hex digits of its config digest. */
export function shortId(configDigest: string): string {
  return hexOf(configDigest).slice(0, 12);
}

function isDir(p: string): boolean {
  return fs.lstatSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
