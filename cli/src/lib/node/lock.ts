/**
 * One vaoci node install or uninstall at a time on a node. Two rollouts of
 * the chart can overlap, and their installers would interleave their writes
 * and records into a mix of two installs. The lock is a Unix socket bound at
 * HOST_ROOT/run/vaoci-node-install.sock: bind(2) fails while the path is
 * there, and whether its holder is alive is the kernel's answer to a connect
 * — refused once the holder is gone, however it died (SIGKILL included), in
 * whatever pid namespace it ran. Node has no flock(2); a pid file cannot be
 * judged stale across the pid namespaces of two pods. /run is the node's
 * tmpfs: a lock left by a killed installer goes with the next boot, and the
 * next installer takes it over.
 *
 * Taking over a dead holder's socket (unlink, bind) is not one step, so it
 * happens under a guard directory beside it (mkdir is atomic); a guard older
 * than GUARD_STALE_MS belonged to an installer killed inside those few
 * milliseconds and is removed.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Failure } from '../errors';
import type { Host } from './host';

/** LOCK_PATH is the lock's node path. */
export const LOCK_PATH = '/run/vaoci-node-install.sock';
const GUARD_STALE_MS = 10_000;
const POLL_MS = 200;

/** LockOptions: how long to wait for another installer (then refuse), and where the waiting line goes. */
export interface LockOptions {
  waitMs?: number;
  say?: (line: string) => void;
}

/** withNodeLock runs `work` holding the node's installer lock: waits (one line) while another holds it, refuses after `waitMs`. */
export async function withNodeLock<T>(host: Host, verb: string, work: () => T, o: LockOptions = {}): Promise<T> {
  const file = lockFile(host);
  const server = await acquire(file, verb, o.waitMs ?? 600_000, o.say ?? ((l) => process.stderr.write(`${l}\n`)));
  try {
    return work();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve())); // closing unlinks the socket
  }
}

/** lockFile is the socket's path on this machine: the node's /run, or its root when it has none. */
function lockFile(host: Host): string {
  return host.exists('/run') ? host.at(LOCK_PATH) : host.at(path.posix.basename(LOCK_PATH));
}

async function acquire(file: string, verb: string, waitMs: number, say: (line: string) => void): Promise<net.Server> {
  const deadline = Date.now() + waitMs;
  let said = false;
  for (;;) {
    const server = await bind(file);
    if (server) return server;
    if ((await probe(file)) === 'stale') {
      const taken = await takeOver(file);
      if (taken) return taken;
    } else if (!said && waitMs > 0) {
      say(`another vaoci node install or uninstall is running (lock \`${file}\`); waiting`);
      said = true;
    }
    if (Date.now() >= deadline) {
      throw new Failure(
        `another vaoci node install or uninstall holds \`${file}\` (waited ${Math.round(waitMs / 1000)} s) — expected it to finish first; this ${verb} changed nothing`,
        'system',
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** bind listens on the socket path: the server when the lock is ours, null when the path is taken. */
function bind(file: string): Promise<net.Server | null> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((c) => c.end());
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') resolve(null);
      else reject(new Failure(`lock \`${file}\`: ${e.code ?? e.message}`, 'system'));
    });
    server.listen(file, () => resolve(server));
  });
}

/** probe asks the kernel whether the lock's holder is alive: a refused connect means it is gone. */
function probe(file: string): Promise<'alive' | 'stale'> {
  return new Promise((resolve) => {
    const c = net.connect(file);
    c.once('connect', () => {
      c.destroy();
      resolve('alive');
    });
    // EAGAIN: its backlog is full of waiters (it is busy, so alive); ENOENT: gone meanwhile, bind again
    c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' || e.code === 'ENOENT' ? 'stale' : 'alive'));
  });
}

/**
 * takeOver replaces a dead holder's socket with ours, under the guard and
 * after asking again there (another waiter may have taken it over since);
 * null when another installer holds the guard or the lock.
 */
async function takeOver(file: string): Promise<net.Server | null> {
  const guard = `${file}.takeover`;
  try {
    fs.mkdirSync(guard);
  } catch {
    try {
      if (Date.now() - fs.statSync(guard).mtimeMs > GUARD_STALE_MS) fs.rmdirSync(guard);
    } catch {
      // gone meanwhile
    }
    return null;
  }
  try {
    if ((await probe(file)) !== 'stale') return null;
    fs.rmSync(file, { force: true });
    return await bind(file);
  } finally {
    fs.rmdirSync(guard);
  }
}
