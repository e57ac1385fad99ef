/**
 * Node's on-disk compile cache (module.enableCompileCache) for bin/vaoci:
 * V8 keeps the code it compiled for each module, so the next start reads it
 * instead of compiling the CLI, oclif and the YAML parser again. Node checks each entry
 * against the file's contents, so a rebuild only costs one slower start.
 *
 * The cache is kept per user under the OS temp dir (os.tmpdir(), /tmp unless
 * TMPDIR says otherwise): vaoci-compile-cache-UID, created with mode 0700 by
 * the user it is for — root and every other user each have their own, in a
 * checkout, an installed tree (/opt/vaoci, read-only to users) and the
 * container image alike, with nothing to set up at build time. It is used
 * only when it is a real directory owned by this user that nobody else may
 * write: V8's cache is code, and no user may hand root one. When it cannot
 * be made (a read-only /tmp), or is not such a directory, there is no cache
 * and nothing else changes. NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE
 * in the environment win: Node has already decided.
 */
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

/** compileCacheDir is this user's cache directory under `tmp`. */
export function compileCacheDir(tmp: string = os.tmpdir(), uid: number = process.getuid?.() ?? 0): string {
  return path.join(tmp, `vaoci-compile-cache-${uid}`);
}

/** safeCacheDir makes `dir` (mode 0700) when missing and says whether it is a directory `uid` owns that no one else may write. */
export function safeCacheDir(dir: string, uid: number = process.getuid?.() ?? 0): boolean {
  let st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!st) {
    // made only when missing: a mkdir that fails with EEXIST on every start costs an exception
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    }
    st = fs.lstatSync(dir, { throwIfNoEntry: false });
  }
  return !!st && st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0;
}

/**
 * userCacheDir is this user's cache directory, made when missing, or
 * undefined when it is not safe to use or the environment has Node decide
 * (the lean commands keep V8's code cache there: lean/load.ts).
 */
export function userCacheDir(): string | undefined {
  if (process.env.NODE_COMPILE_CACHE || process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const dir = compileCacheDir();
  return safeCacheDir(dir) ? dir : undefined;
}

/** enableCompileCache turns the cache on in this user's directory; returns the directory, or undefined when there is none. */
export function enableCompileCache(): string | undefined {
  if (typeof nodeModule.enableCompileCache !== 'function') return undefined; // Node before 22.1
  const dir = userCacheDir();
  if (!dir) return undefined;
  const { status, directory } = nodeModule.enableCompileCache(dir);
  return status === nodeModule.constants.compileCacheStatus.ENABLED || status === nodeModule.constants.compileCacheStatus.ALREADY_ENABLED
    ? directory
    : undefined;
}
