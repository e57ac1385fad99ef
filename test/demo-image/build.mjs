#!/usr/bin/env node
// Builds vaoci's demo image, the one `vaoci run demo` runs: an OCI image
// layout (oci-layout, index.json, blobs/sha256/) with one gzip layer:
//   /bin/busybox      Debian's busybox-static, and applet symlinks (sh, ls, cat, …)
//   /bin/probe        test/hook/probe.c, built here with gcc, dynamically linked,
//                     with its loader and libraries copied as ldd names them
//   /etc/passwd, /etc/group, /tmp, /proc, /sys, /dev, /root
// Config: amd64/linux, Entrypoint ["/bin/probe"], Cmd ["--linger-ms", "500"] (the probe
// stays half a second, so the poststart hook and `vaoci run --svg` see it), a PATH.
// Deterministic: entries sorted, uid/gid 0, one mtime (SOURCE_DATE_EPOCH,
// default 2024-01-01), gzip without a timestamp, so the same inputs give the
// same digests. No network. The OCI writing is cli/image/oci.mjs, shared
// with vaoci's own image.
//
//   node test/demo-image/build.mjs [OUT_DIR]      (default build/demo-image)
// Env: BUSYBOX (default /bin/busybox), CC (default gcc).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { MEDIA, PATH_ENV, REF_NAME, Tree, blob, finishLayout, jsonBlob, layerTar, replaceDir, sha256 } from '../../cli/image/oci.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.resolve(process.argv[2] ?? path.join(ROOT, 'build', 'demo-image'));
const MTIME = new Date(Number(process.env.SOURCE_DATE_EPOCH ?? 1704067200) * 1000);
const BUSYBOX = process.env.BUSYBOX ?? '/bin/busybox';
const CC = process.env.CC ?? 'gcc';
const APPLETS = [
  'cat',
  'cp',
  'date',
  'echo',
  'env',
  'false',
  'grep',
  'head',
  'id',
  'ls',
  'mkdir',
  'mv',
  'printf',
  'ps',
  'pwd',
  'rm',
  'sed',
  'sh',
  'sleep',
  'tail',
  'touch',
  'true',
  'uname',
  'wc',
];

function die(line) {
  console.error(`demo-image: ${line}`);
  process.exit(1);
}

/** elfInfo reads a 64-bit ELF file's machine and whether it has a PT_INTERP (a dynamic loader); undefined for anything else. */
function elfInfo(file) {
  const b = fs.readFileSync(file);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) return undefined;
  const machine = b.readUInt16LE(18);
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  let interp = false;
  for (let i = 0; i < phnum; i++) if (b.readUInt32LE(phoff + i * phentsize) === 3) interp = true;
  return { machine, interp };
}

/** probeWithLibs builds the probe and returns its bytes and the libraries ldd names (image path → host file). */
function probeWithLibs(work) {
  const out = path.join(work, 'probe');
  try {
    execFileSync(CC, ['-O2', '-o', out, 'test/hook/probe.c'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    die(
      `${CC} test/hook/probe.c failed: ${String(e.stderr ?? e.message)
        .trim()
        .split('\n')
        .pop()}`,
    );
  }
  const libs = new Map();
  for (const line of execFileSync('ldd', [out], { encoding: 'utf8' }).split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (m) libs.set(m[1], fs.realpathSync(m[1]));
  }
  if (libs.size === 0) die(`ldd ${out} named no libraries — expected a dynamically linked probe`);
  return { probe: fs.readFileSync(out), libs };
}

/** files is every entry of the layer. */
function files(work) {
  const busybox = elfInfo(BUSYBOX);
  if (!busybox || busybox.machine !== 62 || busybox.interp) die(`${BUSYBOX}: expected a static x86-64 busybox (Debian's busybox-static)`);
  if (process.arch !== 'x64') die(`the demo image is x86-64: build it on an x86-64 machine (this is ${process.arch})`);
  const { probe, libs } = probeWithLibs(work);
  const tree = new Tree();
  for (const d of ['bin', 'dev', 'etc', 'proc', 'sys']) tree.dir(d);
  tree.dir('tmp', 0o1777);
  tree.dir('root', 0o700);
  tree.file('bin/busybox', fs.readFileSync(BUSYBOX), 0o755);
  for (const a of APPLETS) tree.symlink(`bin/${a}`, 'busybox');
  tree.file('bin/probe', probe, 0o755);
  for (const [at, host] of libs) tree.file(at.slice(1), fs.readFileSync(host), 0o755);
  tree.file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  tree.file('etc/group', 'root:x:0:\n');
  return tree;
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaoci-demo-'));
  const tmp = `${OUT}.tmp-${process.pid}`;
  try {
    const tarBytes = await layerTar(files(work), MTIME);
    const gz = zlib.gzipSync(tarBytes, { level: 9 });
    fs.rmSync(tmp, { recursive: true, force: true });
    const created = MTIME.toISOString();
    const config = {
      created,
      architecture: 'amd64',
      os: 'linux',
      config: {
        Entrypoint: ['/bin/probe'],
        Cmd: ['--linger-ms', '500'],
        Env: [PATH_ENV],
        WorkingDir: '/',
        Labels: { 'org.opencontainers.image.title': 'vaoci demo' },
      },
      rootfs: { type: 'layers', diff_ids: [sha256(tarBytes)] },
      history: [{ created, created_by: 'test/demo-image/build.mjs' }],
    };
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      config: jsonBlob(tmp, config, MEDIA.config),
      layers: [blob(tmp, gz, MEDIA.layerGzip)],
    };
    const m = jsonBlob(tmp, manifest, manifest.mediaType);
    finishLayout(tmp, [{ ...m, platform: { architecture: 'amd64', os: 'linux' }, annotations: { [REF_NAME]: 'latest' } }]);
    console.log(`demo-image: ${replaceDir(tmp, OUT)} ${m.digest} (layer ${gz.length} bytes)`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
