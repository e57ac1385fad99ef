// The image's downloaded inputs, pinned and checked, cached under CACHE:
// Node.js from the npm registry (cli/image/node.json: npm pack, integrity
// checked) and Debian 12's glibc userland (cli/image/debs.json: apt-get
// download, SHA256 checked). A cached file is checked again on every use.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const NODE_PIN = JSON.parse(fs.readFileSync(path.join(HERE, 'node.json'), 'utf8'));
export const DEB_PINS = JSON.parse(fs.readFileSync(path.join(HERE, 'debs.json'), 'utf8')).packages;

export class FetchError extends Error {}

const digestOf = (file, algo, encoding) => createHash(algo).update(fs.readFileSync(file)).digest(encoding);

function run(cmd, args, cwd) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new FetchError(
      `${cmd} ${args.join(' ')}: ${String(e.stderr || e.message)
        .trim()
        .split('\n')
        .pop()}`,
    );
  }
}

/** checked fetches FILE with `get` unless it is there and `ok`, then insists that it is ok (a bad download is removed). */
function checked(file, ok, get, what) {
  if (fs.existsSync(file) && ok(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  get();
  if (!fs.existsSync(file)) throw new FetchError(`${what}: the download left no ${file}`);
  if (!ok(file)) {
    fs.rmSync(file, { force: true });
    throw new FetchError(`${what}: ${file} does not match its pin — expected the checksum in cli/image/`);
  }
  return file;
}

/** extracted runs `fill(tmp)` once into DIR (atomically: a half extraction is never used). */
function extracted(dir, fill) {
  if (fs.existsSync(dir)) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  fill(tmp);
  fs.renameSync(tmp, dir);
  return dir;
}

/** nodeDir is the pinned Node.js of ARCH (amd64, arm64) unpacked: bin/node and LICENSE. */
export function nodeDir(cache, arch) {
  const pkg = NODE_PIN.packages[arch];
  const spec = `${pkg.name}@${NODE_PIN.version}`;
  const [algo, want] = pkg.integrity.split('-');
  const tgz = checked(
    path.join(cache, 'node', `${pkg.name}-${NODE_PIN.version}.tgz`),
    (f) => digestOf(f, algo, 'base64') === want,
    () => run('npm', ['pack', spec, '--pack-destination', path.join(cache, 'node'), '--silent', '--no-audit', '--no-fund'], cache),
    spec,
  );
  return extracted(path.join(cache, 'node', `${pkg.name}-${NODE_PIN.version}`), (tmp) =>
    run('tar', ['-xzf', tgz, '-C', tmp, '--strip-components=1', 'package/bin/node', 'package/LICENSE']),
  );
}

/** debRoot is the pinned .debs of ARCH extracted into one tree (Debian's paths). */
export function debRoot(cache, arch) {
  const pins = DEB_PINS.filter((p) => p.arch === arch);
  if (!pins.length) throw new FetchError(`cli/image/debs.json: no package for ${arch}`);
  const dir = path.join(cache, 'debs');
  const debs = pins.map((p) =>
    checked(
      path.join(dir, `${p.name}_${p.version.replace(':', '%3a')}_${p.arch}.deb`),
      (f) => digestOf(f, 'sha256', 'hex') === p.sha256,
      () => run('apt-get', ['download', '-qq', '-o', 'APT::Sandbox::User=root', `${p.name}:${p.arch}=${p.version}`], dir),
      `${p.name}:${p.arch}=${p.version}`,
    ),
  );
  const key = createHash('sha256').update(JSON.stringify(pins)).digest('hex').slice(0, 16);
  return extracted(path.join(dir, `root-${arch}-${key}`), (tmp) => debs.forEach((d) => run('dpkg-deb', ['-x', d, tmp])));
}
