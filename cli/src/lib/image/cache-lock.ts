/**
 * The layer cache's lock and who is alive. `vaoci run` (unpack), `vaoci rmi`
 * and `vaoci prune` change the cache's bookkeeping only while holding
 * CACHE/cache.lock, so a prune never decides a layer is unused while a run
 * is between "this layer is cached" and "my lease on it is written".
 * A process is named by its pid and its start time (field 22 of
 * /proc/PID/stat): a pid the kernel reused for another process is not the
 * holder any more, so its lock or lease counts as stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure } from '../errors';

/** LOCK_WAIT_MS is how long a cache user waits for the lock; prune and rmi hold it only to rename, never while deleting. */
const LOCK_WAIT_MS = 30_000;

/** Holder names a process: pid and its start time in clock ticks since boot (null where /proc cannot tell). */
export interface Holder {
  pid: number;
  start: string | null;
}

/** startTime reads field 22 of /proc/PID/stat, or null when the process is gone. */
export function startTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last `)`.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** self is this process as a Holder. */
export function self(): Holder {
  return { pid: process.pid, start: startTime(process.pid) };
}

/** alive tells whether the holder still runs: the same pid with the same start time. */
export function alive(h: Holder): boolean {
  if (!Number.isInteger(h.pid) || h.pid <= 0) return false;
  if (h.pid === process.pid) return true;
  const now = startTime(h.pid);
  return now !== null && (h.start === null || now === h.start);
}

/** withCacheLock runs `fn` holding CACHE/cache.lock (O_EXCL; a lock whose holder died is taken over). */
export function withCacheLock<T>(cacheDir: string, fn: () => T): T {
  fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const file = path.join(cacheDir, 'cache.lock');
  const me = self();
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.writeFileSync(file, `${me.pid} ${me.start ?? ''}`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Failure(`\`${file}\`: ${(e as NodeJS.ErrnoException).code}`, 'system');
    }
    const holder = readHolder(file);
    if (holder === undefined) continue; // released meanwhile
    if (holder === null ? olderThan(file, 1000) : !alive(holder)) fs.rmSync(file, { force: true });
    else if (Date.now() > deadline)
      throw new Failure(`\`${file}\`: held by pid ${holder?.pid ?? '?'} for ${LOCK_WAIT_MS / 1000} s`, 'system');
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
  try {
    return fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** readHolder reads a lock file: its holder, null while it is being written (empty), undefined when it is gone. */
function readHolder(file: string): Holder | null | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (!text) return null;
  const [pid, start] = text.split(' ');
  return { pid: Number(pid), start: start || null };
}

function olderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ms;
  } catch {
    return false;
  }
}
