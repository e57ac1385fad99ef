#!/usr/bin/env node
// The real-node lane's two images, built here with no registry, as
// docker-archives for `ctr -n k8s.io images import` (test/node/cluster.sh):
//   OUT/pause.tar    vaoci.test/pause:1    /pause, test/node/pause.c linked statically
//                                           (the CRI sandbox image: sandbox_image)
//   OUT/testbox.tar  vaoci.test/testbox:1  Debian's busybox-static and its applets,
//                                           /bin/probe (test/hook/probe.c, dynamically
//                                           linked, with its loader and libraries, as
//                                           in the demo image) and /bin/probe-static
// Both linux/amd64, one gzip-free layer each, deterministic (cli/image/oci.mjs,
// cli/image/docker-archive.mjs: same inputs, same bytes).
//
//   node test/node/images.mjs [OUT_DIR]     (default build/node/images)
// Env: BUSYBOX (default /bin/busybox), CC (default gcc), SOURCE_DATE_EPOCH.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PATH_ENV, Tree, layerTar, sha256 } from '../../cli/image/oci.mjs';
import { writeDockerArchive } from '../../cli/image/docker-archive.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.resolve(process.argv[2] ?? path.join(ROOT, 'build', 'node', 'images'));
const MTIME = new Date(Number(process.env.SOURCE_DATE_EPOCH ?? 1704067200) * 1000);
const BUSYBOX = process.env.BUSYBOX ?? '/bin/busybox';
const CC = process.env.CC ?? 'gcc';
const APPLETS = [
  'cat',
  'cp',
  'echo',
  'env',
  'false',
  'grep',
  'head',
  'id',
  'ls',
  'mkdir',
  'printf',
  'ps',
  'sed',
  'sh',
  'sleep',
  'tail',
  'true',
  'uname',
  'wc',
];

function cc(args) {
  try {
    execFileSync(args[0], args.slice(1), { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    console.error(
      `node-images: ${args.join(' ')} failed: ${String(e.stderr ?? e.message)
        .trim()
        .split('\n')
        .pop()}`,
    );
    process.exit(1);
  }
}

function base(tree) {
  for (const d of ['dev', 'etc', 'proc', 'sys']) tree.dir(d);
  tree.dir('tmp', 0o1777);
  tree.file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  tree.file('etc/group', 'root:x:0:\nnogroup:x:65534:\n');
}

async function image(file, repoTag, tree, config) {
  const tarBytes = await layerTar(tree, MTIME);
  const created = MTIME.toISOString();
  const cfg = Buffer.from(
    JSON.stringify({
      created,
      architecture: 'amd64',
      os: 'linux',
      config: { Env: [PATH_ENV], WorkingDir: '/', ...config },
      rootfs: { type: 'layers', diff_ids: [sha256(tarBytes)] },
      history: [{ created, created_by: 'test/node/images.mjs' }],
    }),
  );
  await writeDockerArchive(
    file,
    { config: cfg, configDigest: sha256(cfg), layers: [tarBytes], diffIds: [sha256(tarBytes)], repoTag },
    MTIME,
  );
  console.log(`node-images: ${path.relative(process.cwd(), file)} ${repoTag} ${sha256(cfg)}`);
}

async function main() {
  if (process.arch !== 'x64') throw new Error(`the lane's images are amd64: build them on x86-64 (this is ${process.arch})`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaoci-node-images-'));
  try {
    fs.mkdirSync(OUT, { recursive: true });
    cc([process.env.MUSL_CC ?? 'musl-gcc', '-static', '-Os', '-s', '-o', path.join(work, 'pause'), 'test/node/pause.c']);
    const pause = new Tree();
    base(pause);
    pause.file('pause', fs.readFileSync(path.join(work, 'pause')), 0o755);
    await image(path.join(OUT, 'pause.tar'), 'vaoci.test/pause:1', pause, { Entrypoint: ['/pause'], User: '65534:65534' });

    cc([CC, '-O2', '-o', path.join(work, 'probe'), 'test/hook/probe.c']);
    cc([CC, '-O2', '-static', '-o', path.join(work, 'probe-static'), 'test/hook/probe.c']);
    const box = new Tree();
    base(box);
    box.dir('bin');
    box.dir('root', 0o700);
    box.file('bin/busybox', fs.readFileSync(BUSYBOX), 0o755);
    for (const a of APPLETS) box.symlink(`bin/${a}`, 'busybox');
    box.file('bin/probe', fs.readFileSync(path.join(work, 'probe')), 0o755);
    box.file('bin/probe-static', fs.readFileSync(path.join(work, 'probe-static')), 0o755);
    for (const line of execFileSync('ldd', [path.join(work, 'probe')], { encoding: 'utf8' }).split('\n')) {
      const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
      if (m) box.file(m[1].slice(1), fs.readFileSync(fs.realpathSync(m[1])), 0o755);
    }
    await image(path.join(OUT, 'testbox.tar'), 'vaoci.test/testbox:1', box, { Cmd: ['/bin/sh'] });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
