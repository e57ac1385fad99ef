// The CLI in the image, under /usr/local/lib/vaoci: package.json and
// oclif.manifest.json (oclif reads both), bin/vaoci with the image's node in
// its #! line, the compiled build/ts/cli/src (JavaScript only), the JSON
// Schemas, and the production node_modules (npm ci --omit=dev from
// package-lock.json, cached per lockfile); /usr/local/bin/vaoci links to it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CLI_DIR = 'usr/local/lib/vaoci';
export const NODE_PATH = 'usr/local/bin/node';
// Types and source maps are never loaded at run time.
const DEV_ONLY = /\.(map|d\.ts|d\.mts|d\.cts)$/;

/** addDir adds every entry below DIR to TREE under AT, symlinks as symlinks, minus names `skip` matches. */
export function addDir(tree, dir, at, skip = () => false) {
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const from = path.join(dir, d.name);
    const to = path.posix.join(at, d.name);
    if (skip(d.name)) continue;
    if (d.isSymbolicLink()) tree.symlink(to, fs.readlinkSync(from));
    else if (d.isDirectory()) addDir(tree, from, to, skip);
    else if (d.isFile()) tree.file(to, fs.readFileSync(from), fs.statSync(from).mode & 0o111 ? 0o755 : 0o644);
  }
}

/** prodModules is the production node_modules of ROOT's package-lock.json, installed once into CACHE. */
export function prodModules(root, cache) {
  const lock = fs.readFileSync(path.join(root, 'package-lock.json'));
  const key = createHash('sha256')
    .update(lock)
    .update(fs.readFileSync(path.join(root, 'package.json')))
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(cache, 'node_modules', key);
  if (fs.existsSync(path.join(dir, 'node_modules'))) return path.join(dir, 'node_modules');
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(root, f), path.join(tmp, f));
  try {
    execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: tmp,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `npm ci --omit=dev: ${String(e.stderr || e.message)
        .trim()
        .split('\n')
        .pop()}`,
      { cause: e },
    );
  }
  fs.renameSync(tmp, dir);
  return path.join(dir, 'node_modules');
}

/** addModules adds the production node_modules (without .bin, types and maps). */
export function addModules(tree, modules) {
  addDir(tree, modules, `${CLI_DIR}/node_modules`, (name) => name === '.bin' || DEV_ONLY.test(name));
}

/** addCli adds the CLI of the repository at ROOT (after `make cli`) and /usr/local/bin/vaoci. */
export function addCli(tree, root) {
  const need = (rel) => {
    if (!fs.existsSync(path.join(root, rel))) throw new Error(`${rel} is missing — run \`make cli\` first`);
    return path.join(root, rel);
  };
  tree.file(`${CLI_DIR}/package.json`, fs.readFileSync(need('package.json')));
  tree.file(`${CLI_DIR}/oclif.manifest.json`, fs.readFileSync(need('oclif.manifest.json')));
  const bin = fs.readFileSync(need('bin/vaoci'), 'utf8').replace(/^#!.*\n/, `#!/${NODE_PATH}\n`);
  tree.file(`${CLI_DIR}/bin/vaoci`, bin, 0o755);
  tree.symlink('usr/local/bin/vaoci', '../lib/vaoci/bin/vaoci');
  addDir(tree, need('build/ts/cli/src'), `${CLI_DIR}/build/ts/cli/src`, (name) => DEV_ONLY.test(name));
  addDir(tree, need('schemas'), `${CLI_DIR}/schemas`, (name) => !name.endsWith('.schema.json'));
}
