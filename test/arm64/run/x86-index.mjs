#!/usr/bin/env node
// The x86 image test/arm64/run-suite.sh runs with `vaoci run` on the arm64
// VM: an OCI image layout whose index.json names one multi-platform index
// (ref.name latest), as registries serve x86 images:
//   linux/amd64   the demo image's manifest, config and layer (build/demo-image:
//                 Debian's busybox-static and the dynamically linked probe)
//   linux/386     one layer: /bin/probe32 (run/probe32.c, built freestanding
//                 with gcc -m32), Entrypoint ["/bin/probe32"]
// No linux/arm64 entry, so `vaoci run` on arm64 must pick an x86 platform:
// amd64 by default, 386 with --platform linux/386.
//
//   node test/arm64/run/x86-index.mjs DEMO_LAYOUT PROBE32 OUT
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { MEDIA, PATH_ENV, REF_NAME, Tree, blob, finishLayout, jsonBlob, layerTar, replaceDir, sha256 } from '../../../cli/image/oci.mjs';

const MTIME = new Date(Number(process.env.SOURCE_DATE_EPOCH ?? 1704067200) * 1000);

function die(line) {
  console.error(`x86-index: ${line}`);
  process.exit(1);
}

const readBlob = (layout, digest) => fs.readFileSync(path.join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, '')));

/** copyImage copies the one image of a single-platform layout into OUT and returns its manifest descriptor. */
function copyImage(layout, out) {
  const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'));
  if (index.manifests?.length !== 1 || index.manifests[0].mediaType !== MEDIA.manifest)
    die(`${layout}: expected one image manifest in index.json`);
  const desc = index.manifests[0];
  const manifest = JSON.parse(readBlob(layout, desc.digest));
  for (const d of [manifest.config, ...manifest.layers]) blob(out, readBlob(layout, d.digest), d.mediaType);
  return { ...blob(out, readBlob(layout, desc.digest), desc.mediaType), platform: { architecture: 'amd64', os: 'linux' } };
}

/** i386Image writes the linux/386 image around PROBE32 into OUT and returns its manifest descriptor. */
async function i386Image(probe32, out) {
  const elf = fs.readFileSync(probe32);
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 1 || elf.readUInt16LE(18) !== 3) die(`${probe32}: expected a 32-bit i386 ELF`);
  const tree = new Tree();
  for (const d of ['dev', 'proc', 'sys']) tree.dir(d);
  tree.dir('tmp', 0o1777);
  tree.file('bin/probe32', elf, 0o755);
  const tarBytes = await layerTar(tree, MTIME);
  const created = MTIME.toISOString();
  const config = {
    created,
    architecture: '386',
    os: 'linux',
    config: { Entrypoint: ['/bin/probe32'], Env: [PATH_ENV], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [sha256(tarBytes)] },
    history: [{ created, created_by: 'test/arm64/run/x86-index.mjs' }],
  };
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: jsonBlob(out, config, MEDIA.config),
    layers: [blob(out, zlib.gzipSync(tarBytes, { level: 9 }), MEDIA.layerGzip)],
  };
  return { ...jsonBlob(out, manifest, MEDIA.manifest), platform: { architecture: '386', os: 'linux' } };
}

async function main() {
  const [demo, probe32, outArg] = process.argv.slice(2);
  if (!outArg) die('usage: x86-index.mjs DEMO_LAYOUT PROBE32 OUT');
  const out = path.resolve(outArg);
  const tmp = `${out}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    const manifests = [copyImage(demo, tmp), await i386Image(probe32, tmp)];
    const index = jsonBlob(tmp, { schemaVersion: 2, mediaType: MEDIA.index, manifests }, MEDIA.index);
    finishLayout(tmp, [{ ...index, annotations: { [REF_NAME]: 'latest' } }]);
    console.log(`x86-index: ${replaceDir(tmp, out)} ${index.digest}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
