/**
 * Loads the lean bundles with V8's code cache of their functions as they
 * ran. Node's compile cache (startup/compile-cache.ts) keeps the code V8
 * compiled when a module was loaded, but V8 compiles most functions only
 * when first called, so every start compiled the YAML parser again (6 ms of
 * `vaoci validate`'s 20 over `node -e 0`). Here a bundle is compiled as a
 * vm.Script and, on the first run, the cache is taken at exit
 * (createCachedData after the command ran holds every function it
 * called); later runs hand it to V8, which checks it against the source
 * and this V8's flags and rejects it otherwise (then a new one is taken).
 * The cache is code: it lives only in the compile cache's directory, which
 * compile-cache.ts uses only when this user owns it and no one else may
 * write it, under a key of the bundle's size, mtime and inode, written
 * through a temporary file and a rename. Without that directory bundles are
 * plain require()s.
 */
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { writeAtomic } from '../lib/atomic';

/** SHARED_PREFIX starts the name of a package bundled once beside the commands' bundles (`_`: never a command's id). */
export const SHARED_PREFIX = 'lean_';

/**
 * cachedPath says which of a bundle's requires load through here too: the
 * packages bundled once beside it (lean/bundle.ts: ./lean_js-yaml.js) and the
 * schemas' precompiled validators (absolute paths under lib/startup/
 * validators/, self-contained), so their code is cached as it ran as well.
 */
function cachedPath(id: string, here: string): string | undefined {
  if (id.startsWith(`./${SHARED_PREFIX}`)) return path.join(here, id);
  if (id.startsWith(`${here}${path.sep}startup${path.sep}validators${path.sep}`) && id.endsWith('.js')) return id;
  return undefined;
}

/** BundleLoader loads bundles, each once, and saves the code cache of those that had none. */
export class BundleLoader {
  private readonly loaded = new Map<string, unknown>();
  private readonly uncached: { script: vm.Script; key: string }[] = [];
  private readonly dir: string | undefined;

  /** cacheDir: the compile cache's directory, or undefined for plain require()s. */
  constructor(cacheDir: string | undefined) {
    this.dir = cacheDir && path.join(cacheDir, `lean-v8-${process.versions.v8}`);
  }

  /** missed lists the bundles loaded without a cache V8 took (none yet, or rejected): save() writes theirs. */
  get missed(): string[] {
    return this.uncached.map(({ key }) => key);
  }

  /** load returns the exports of the bundle at `file` (an absolute path). */
  load(file: string): unknown {
    if (this.loaded.has(file)) return this.loaded.get(file);
    let exports: unknown;
    if (!this.dir) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a bundle found at run time
      exports = require(file);
    } else exports = this.run(file, this.dir);
    this.loaded.set(file, exports);
    return exports;
  }

  /** run compiles and runs `file` as CommonJS does, with the cache under `dir` when there is one. */
  private run(file: string, dir: string): unknown {
    const source = fs.readFileSync(file, 'utf8');
    const st = fs.statSync(file);
    const key = path.join(dir, `${path.basename(file)}-${st.size}-${Math.round(st.mtimeMs * 1000)}-${st.ino}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = fs.readFileSync(key);
    } catch {
      // none yet: taken at exit
    }
    const script = new vm.Script(nodeModule.wrap(source), {
      filename: file,
      cachedData,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (!cachedData || script.cachedDataRejected) this.uncached.push({ script, key });
    const base = nodeModule.createRequire(file);
    const here = path.dirname(file);
    const req = Object.assign((id: string) => {
      const cached = cachedPath(id, here);
      return cached ? this.load(cached) : base(id);
    }, base);
    const mod = { exports: {} as unknown, filename: file, id: file };
    (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, req, mod, file, here);
    return mod.exports;
  }

  /** save writes the code cache of each bundle that had none (best effort: a start never fails for it), replacing older ones. */
  save(): void {
    if (!this.dir || !this.uncached.length) return;
    try {
      fs.mkdirSync(this.dir, { mode: 0o700, recursive: true });
      for (const { script, key } of this.uncached) {
        const prefix = `${path.basename(key).split('.js-')[0]}.js-`;
        for (const old of fs.readdirSync(this.dir)) if (old.startsWith(prefix)) fs.rmSync(path.join(this.dir, old), { force: true });
        writeAtomic(key, script.createCachedData(), 0o600);
      }
    } catch {
      // a full disk or a read-only cache: the next start compiles again
    }
  }
}
