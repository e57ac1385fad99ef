/**
 * Small answers kept between runs in this user's cache directory
 * (compile-cache.ts: made by and for this user, nobody else may write it):
 * text that is a pure function of inputs a key names in full — oclif's help
 * (lean/help-cache.ts), an engine binary's `--version` (node/engine.ts).
 * A file holds its key on the first line and is named by a 64-bit FNV-1a
 * of it; a file whose first line is another key answers nothing. Written
 * whole (a temporary file, 0600, renamed over), so no reader sees half of
 * one. Node's built-ins only: help-cache.ts runs on every start.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

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

/** keep writes `text` for `key` whole: a temporary file beside it (0600), renamed over. A failure leaves no file. */
export function keep(file: string, key: string, text: string): void {
  if (key.includes('\n')) return; // the key is the first line
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, `${key}\n${text}`, { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}
