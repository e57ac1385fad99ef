/**
 * Builds the lean commands' bundles (`make cli`, after tsc): for each action
 * under actions/, one file lib/lean-ID.js (lean/main.ts finds it) holding the
 * compiled action, everything it requires and lean/run.ts, packed by esbuild
 * into one module. Node then reads one file instead of a hundred (`yaml`, the
 * YAML parser before js-yaml, was 72 modules: 17 ms of CPU as files, 4 ms as one). The bundles sit in
 * lib/, beside schema.js, because code that finds files from its own
 * __dirname (the precompiled validators, lib/startup/validators/) must see
 * the same directory from a bundle. js-yaml is a bundle of its own,
 * lib/lean_js-yaml.js (no command word holds `_`), that a command's bundle requires where its code
 * requires js-yaml: only validate and explain read YAML on every run, and a
 * bundle is parsed whole when it loads. Left out, and loaded from node_modules
 * if ever needed: Ajv (only without precompiled validators) and the
 * Kubernetes client. A bundle that would hold oclif is an error: the path
 * exists to start without it. First of all, lean/start.js: what bin/vaoci
 * requires on every start (startup/compile-cache.ts, lean/main.ts, help-cache.ts and
 * load.ts) as one file, one module to resolve and compile instead of three
 * (~2 ms of `vaoci ps`, measured side by side).
 * Run: `node build/ts/cli/src/lean/bundle.js`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BuildOptions, type Plugin, build } from 'esbuild';
import { SHARED_PREFIX } from './load';
import { LEAN_PREFIX } from './main';

/** EXTERNAL are required at run time from node_modules, never bundled. */
const EXTERNAL = ['ajv', 'ajv/*', '@kubernetes/client-node', '@oclif/core', '@oclif/core/*'];

/** SHARED are packages bundled once, into lib/lean_NAME.js (`_`: never a command's id), and required from there by every command's bundle. */
const SHARED = ['js-yaml'];

/** sharedPlugin points a command bundle's require of a SHARED package at its own bundle, beside it. */
const sharedPlugin: Plugin = {
  name: 'vaoci-shared',
  setup(build) {
    const filter = new RegExp(`^(${SHARED.join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: `./${SHARED_PREFIX}${args.path}.js`, external: true }));
  },
};

/** NODE_BUNDLE are esbuild's options for one CommonJS file Node 22 loads (the precompiled validators use them too). */
export const NODE_BUNDLE: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  logLevel: 'error',
  legalComments: 'eof',
};

/** COMMON are esbuild's options for every lean bundle. */
const COMMON: BuildOptions = { ...NODE_BUNDLE, external: EXTERNAL, metafile: true };

/** actionFiles lists the compiled actions under `dir` by id: node/status.js → node-status. */
export function actionFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of fs.readdirSync(dir, { recursive: true }) as string[]) {
    if (!rel.endsWith('.js') || rel === 'action.js') continue;
    out.set(rel.slice(0, -3).split(path.sep).join('-'), path.join(dir, rel));
  }
  return out;
}

/** bundleActions writes lib/lean-ID.js for every action under `compiled` (build/ts/cli/src) and returns their sizes. */
export async function bundleActions(compiled: string): Promise<Map<string, number>> {
  const lib = path.join(compiled, 'lib');
  const sizes = new Map<string, number>();
  for (const old of fs.readdirSync(lib)) if (old.startsWith(LEAN_PREFIX) || old.startsWith(SHARED_PREFIX)) fs.rmSync(path.join(lib, old));
  const start = path.join(compiled, 'lean', 'start.js');
  await build({
    ...COMMON,
    stdin: {
      contents: `module.exports = { ...require('../lib/startup/compile-cache.js'), ...require('./main.js') };\n`,
      resolveDir: path.join(compiled, 'lean'),
      sourcefile: 'start-entry.js',
    },
    outfile: start,
  });
  sizes.set('start', fs.statSync(start).size);
  for (const name of SHARED) {
    const outfile = path.join(lib, `${SHARED_PREFIX}${name}.js`);
    await build({ ...COMMON, stdin: { contents: `module.exports = require('${name}');`, resolveDir: lib }, outfile });
    sizes.set(name, fs.statSync(outfile).size);
  }
  for (const [id, file] of actionFiles(path.join(compiled, 'actions'))) {
    const outfile = path.join(lib, `${LEAN_PREFIX}${id}.js`);
    const contents = `const act = require(${JSON.stringify(file)}).default;
const { runAction } = require(${JSON.stringify(path.join(compiled, 'lean', 'run.js'))});
module.exports = { run: (words) => runAction(act, words) };
`;
    const result = await build({
      ...COMMON,
      stdin: { contents, resolveDir: lib, sourcefile: `${LEAN_PREFIX}${id}-entry.js` },
      outfile,
      plugins: [sharedPlugin],
    });
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    const oclif = inputs.find((i) => i.includes('node_modules/@oclif/'));
    if (oclif) throw new Error(`${id}: the bundle would hold oclif (${oclif})`);
    sizes.set(id, fs.statSync(outfile).size);
  }
  return sizes;
}

if (require.main === module) {
  bundleActions(path.join(__dirname, '..')).then(
    (sizes) =>
      console.log(`lean bundles: ${sizes.size} (${[...sizes].map(([id, size]) => `${id} ${Math.round(size / 1024)} KiB`).join(', ')})`),
    (e: Error) => {
      console.error(`lean bundles: ${e.message}`);
      process.exit(1);
    },
  );
}
