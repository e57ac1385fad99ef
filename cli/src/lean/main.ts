/**
 * bin/vaoci's fast path: a command that has an action (actions/) is built
 * by `make cli` into one bundle, lib/lean-ID.js (lean/bundle.ts), holding
 * the action, what it uses and runAction — no oclif. leanMain finds the
 * bundle of the command line's command and runs it; it resolves false,
 * having run nothing, when there is none, when VAOCI_STARTUP=oclif or
 * VAOCI_CONTENT_TYPE is set, or when
 * runAction leaves the line to oclif (help, errors of the command line).
 * Help oclif rendered before is printed from the cache (lean/help-cache.ts).
 * Bundles load with V8's code cache (lean/load.ts). This file, load.ts and
 * help-cache.ts run on every start: they require Node's built-ins and
 * lib/atomic.ts, whose node:crypto is loaded only when a file is written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { helpFromCache } from './help-cache';
import { BundleLoader } from './load';

/** STARTUP_ENV=oclif sends every command line through oclif's plain execute() (startup/dispatch.ts), none through here. */
export const STARTUP_ENV = 'VAOCI_STARTUP';

/** CONTENT_TYPE_ENV turns --json on in oclif (its scoped CONTENT_TYPE variable): such lines are left to oclif. */
const CONTENT_TYPE_ENV = 'VAOCI_CONTENT_TYPE';

/** LEAN_PREFIX names the bundles beside lib/schema.js: lib/lean-validate.js, lib/lean-node-status.js. */
export const LEAN_PREFIX = 'lean-';

/** LeanBundle is what a bundle exports. */
interface LeanBundle {
  run(words: readonly string[]): Promise<boolean>;
}

/**
 * leanFile is the bundle for `argv`'s command, with the words after it, if
 * there is one and it is not older than `builtAt`: by default the mtime of
 * the compiled lean/main.js (tsc rewrites every output, so a `tsc` run
 * after the last `make cli` leaves bundles of older code, and oclif, which
 * runs the compiled commands, takes the line instead). This code runs from
 * lean/main.js or from lean/start.js beside it (bundle.ts), so __dirname
 * is lean/ either way.
 */
export function leanFile(
  argv: readonly string[],
  libDir: string = path.join(__dirname, '..', 'lib'),
  builtAt: number = fs.statSync(path.join(__dirname, 'main.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0,
): { file: string; words: string[] } | undefined {
  const word = /^[a-z][a-z-]*$/;
  if (!argv.length || !word.test(argv[0])) return undefined;
  const fresh = (file: string): boolean => (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1) >= builtAt;
  if (argv.length > 1 && word.test(argv[1])) {
    const file = path.join(libDir, `${LEAN_PREFIX}${argv[0]}-${argv[1]}.js`);
    if (fresh(file)) return { file, words: argv.slice(2) };
  }
  const file = path.join(libDir, `${LEAN_PREFIX}${argv[0]}.js`);
  return fresh(file) ? { file, words: argv.slice(1) } : undefined;
}

/**
 * leanMain runs argv's command from its bundle and resolves true, or
 * resolves false for oclif to run the line. cacheDir is the compile cache's
 * directory (startup/compile-cache.ts), for the bundles' code cache.
 */
export async function leanMain(argv: readonly string[], cacheDir?: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (env[STARTUP_ENV] === 'oclif' || env[CONTENT_TYPE_ENV]) return false; // decided before any bundle loads
  if (cacheDir && helpFromCache(argv, cacheDir, env)) return true; // help oclif rendered before (lean/help-cache.ts)
  const found = leanFile(argv);
  if (!found) return false;
  const loader = new BundleLoader(cacheDir);
  const bundle = loader.load(found.file) as Partial<LeanBundle>;
  if (typeof bundle.run !== 'function') return false;
  process.once('exit', () => loader.save());
  return bundle.run(found.words);
}
