/**
 * Small answers kept between runs in this user's cache directory
 * (compile-cache.ts: made by and for this user, nobody else may write it):
 * text that is a pure function of inputs a key names in full — oclif's help
 * (lean/help-cache.ts), an engine binary's `--version` (node/engine.ts), the
 * VA bits the tool found since this boot (doctor/boot-facts.ts).
 * A file holds its key on the first line and is named by a 64-bit FNV-1a
 * of it; a file whose first line is another key answers nothing. Written
 * whole (atomic.ts's writeAtomic, 0600), so no reader sees half of one.
 * help-cache.ts runs on every start: nothing here loads more than Node's
 * built-ins until a file is written (randomHex requires node:crypto then).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomic } from '../atomic';

/** keptFile is where the text for `key` of this `kind` (help, engine-version) is kept in `cacheDir`. */
export function keptFile(cacheDir: string, kind: string, key: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < key.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(key.charCodeAt(i))) * 0x100000001b3n);
  return path.join(cacheDir, `${kind}-${h.toString(16).padStart(16, '0')}.txt`);
}

/** readKept is the text kept for `key`, or undefined when there is none (or the file holds another key's). */
export function readKept(file: string, key: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const nl = text.indexOf('\n');
  return nl >= 0 && text.slice(0, nl) === key ? text.slice(nl + 1) : undefined;
}

/** keep writes `text` for `key` whole (0600). A failure (a full disk, a read-only cache) keeps nothing: the answer is asked for again next time. */
export function keep(file: string, key: string, text: string): void {
  if (key.includes('\n')) return; // the key is the first line
  try {
    writeAtomic(file, `${key}\n${text}`, 0o600);
  } catch {
    // nothing kept, nothing left behind (writeAtomic removes its temporary file)
  }
}

/** fileIdentity tells one version of a file from another (path, device, inode, size, mtime, ctime), for a key; undefined when it cannot be read. */
export function fileIdentity(file: string): string[] | undefined {
  const st = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  return st && [file, ...[st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].map(String)];
}
