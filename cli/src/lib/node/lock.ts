/**
 * One vaoci node install or uninstall at a time on a node. Two rollouts of
 * the chart can overlap, and their installers would interleave their writes
 * and records into a mix of two installs. The lock is a Unix socket at
 * HOST_ROOT/run/vaoci-node-install.sock, and whether its holder is alive is
 * the kernel's answer to a connect — refused once the holder is gone, however
 * it died (SIGKILL included), in whatever pid namespace it ran. Node has no
 * flock(2); a pid file cannot be judged stale across the pid namespaces of two
 * pods. /run is the node's tmpfs: a lock left by a killed installer goes with
 * the next boot, and the next installer takes it over.
 *
 * The lock path only ever names a socket that is already listening: each
 * claim listens on a private path beside it, then hard-links that socket to
 * the lock path (link(2) fails while the path exists, atomically). Binding the
 * lock path itself would leave a moment between bind and listen in which a
 * connect is refused and a live holder looks dead. A dead holder's socket is
 * replaced by rename(2), in one step, under a guard directory beside it (mkdir
 * is atomic) and after asking again there: only one waiter takes it over, and
 * no fresh claim can land while the dead socket still holds the path. A guard
 * older than GUARD_STALE_MS belonged to an installer killed inside those few
 * milliseconds and is removed. The holder removes the lock path before it
 * stops listening, so no one ever finds it refused while the holder lives.
 */
import { randomBytes } from 'node:crypto';
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

/** Held is the lock while this process holds it: the listening server and the socket's inode at the lock path. */
interface Held {
  server: net.Server;
  ino: number;
}

/** withNodeLock runs `work` holding the node's installer lock: waits (one line) while another holds it, refuses after `waitMs`. */
export async function withNodeLock<T>(host: Host, verb: string, work: () => T, o: LockOptions = {}): Promise<T> {
  const file = lockFile(host);
  const held = await acquire(file, verb, o.waitMs ?? 600_000, o.say ?? ((l) => process.stderr.write(`${l}\n`)));
  try {
    return work();
  } finally {
    await release(file, held);
  }
}

/** lockFile is the socket's path on this machine: the node's /run, or its root when it has none. */
function lockFile(host: Host): string {
  return host.exists('/run') ? host.at(LOCK_PATH) : host.at(path.posix.basename(LOCK_PATH));
}

async function acquire(file: string, verb: string, waitMs: number, say: (line: string) => void): Promise<Held> {
  const deadline = Date.now() + waitMs;
  let said = false;
  for (;;) {
    const held = await claim(file);
    if (held) return held;
    const holder = await probe(file);
    if (holder === 'gone') continue; // released since the claim: claim again at once
    if (holder === 'dead') {
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

/** claim links a listening socket of ours to the lock path: held when the path was free, null when it is taken. */
async function claim(file: string): Promise<Held | null> {
  return withListening(file, (own, held) => {
    try {
      fs.linkSync(own, file);
      return held;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
      throw lockFailure(file, e);
    }
  });
}

/**
 * takeOver replaces a dead holder's socket with a listening one of ours, under
 * the guard and after asking again there (another waiter may have taken it
 * over since); null when another installer holds the guard or the lock.
 */
async function takeOver(file: string): Promise<Held | null> {
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
    if ((await probe(file)) !== 'dead') return null;
    return await withListening(file, (own, held) => {
      try {
        fs.renameSync(own, file);
        return held;
      } catch (e) {
        throw lockFailure(file, e);
      }
    });
  } finally {
    fs.rmdirSync(guard);
  }
}

/**
 * withListening listens on a private path beside the lock and hands it to
 * `place`, which puts that socket at the lock path (the lock is then held) or
 * returns null; the private path is gone afterwards either way, and a server
 * not placed is closed.
 */
async function withListening(file: string, place: (own: string, held: Held) => Held | null): Promise<Held | null> {
  // random, not the pid: installers in two pods' pid namespaces share the node's /run
  const own = `${file}.${randomBytes(6).toString('hex')}`;
  const server = await listen(own, file);
  let held: Held | null = null;
  try {
    held = place(own, { server, ino: fs.statSync(own).ino });
    return held;
  } finally {
    fs.rmSync(own, { force: true });
    if (!held) await close(server);
  }
}

/** release removes the lock path, while still listening, then stops listening. */
async function release(file: string, held: Held): Promise<void> {
  try {
    // ours unless a waiter found a guard older than GUARD_STALE_MS and took over meanwhile
    if (fs.statSync(file).ino === held.ino) fs.unlinkSync(file);
  } catch {
    // already gone
  }
  await close(held.server);
}

function listen(own: string, file: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((c) => c.end());
    server.once('error', (e) => reject(lockFailure(file, e)));
    server.listen(own, () => resolve(server));
  });
}

// closing also unlinks the path the server listened on, by then already removed
function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** probe asks the kernel about the lock's holder: alive (it accepts), dead (refused) or gone (no lock path). */
function probe(file: string): Promise<'alive' | 'dead' | 'gone'> {
  return new Promise((resolve) => {
    const c = net.connect(file);
    c.once('connect', () => {
      c.destroy();
      resolve('alive');
    });
    // EAGAIN: its backlog is full of waiters (it is busy, so alive)
    c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' ? 'dead' : e.code === 'ENOENT' ? 'gone' : 'alive'));
  });
}

function lockFailure(file: string, e: unknown): Failure {
  const err = e as NodeJS.ErrnoException;
  return new Failure(`lock \`${file}\`: ${err.code ?? err.message}`, 'system');
}
