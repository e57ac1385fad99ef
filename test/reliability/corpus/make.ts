/**
 * Writes the symlink corpus (images.ts) twice: as one OCI image layout with
 * a tag per image (for `vaoci run oci:DIR:NAME`, the unpacker's path) and as
 * unpacked rootfs trees, OUT/rootfs/NAME/{runc,crun,hook}, one for each
 * way the driver runs it (so each meets the image as it was made), plus
 * corpus.json naming each image's process (args, cwd) for the bundles.
 *
 *   node build/ts/test/reliability/corpus/make.js BASE HOST PRELOAD OUT   (compiled by make build)
 *
 * BASE is the base rootfs (busybox and the probe): the images' first layer,
 * and hard-linked (cp -al) under each rootfs. Nothing in a tree is written
 * through a symlink: each path is made from its parent's directory, every
 * parent checked to be a real directory first.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Entry, type Image, type Layer, imageConfig, layer, layerFromTar, writeOciLayout } from '../../ts/image-fixtures';
import { type CorpusImage, type Node, UP, corpus } from './images';

const COPIES = ['runc', 'crun', 'hook'];

function sh(cmd: string, args: string[]): Buffer {
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** entryOf is a tree node as a layer entry. */
function entryOf(n: Node): Entry {
  if ('symlink' in n) return { name: n.path, type: 'symlink', linkname: n.symlink };
  if ('file' in n) return { name: n.path, content: n.file, mode: n.mode };
  if ('dir' in n) return { name: `${n.path}/`, type: 'directory' };
  return { name: n.path, type: 'link', linkname: `${UP}${n.hostlink}` };
}

/** place makes one node under root, walking there by relative names (the deepest paths exceed PATH_MAX from /). */
function place(root: string, n: Node): void {
  const parts = n.path.split('/');
  const leaf = parts.pop() as string;
  const saved = process.cwd();
  process.chdir(root);
  try {
    for (const p of parts) {
      const st = fs.lstatSync(p, { throwIfNoEntry: false });
      if (!st) fs.mkdirSync(p, 0o755);
      else if (!st.isDirectory()) throw new Error(`${n.path}: \`${p}\` is not a directory`);
      process.chdir(p);
    }
    fs.rmSync(leaf, { recursive: true, force: true });
    if ('symlink' in n) fs.symlinkSync(n.symlink, leaf);
    else if ('file' in n) fs.writeFileSync(leaf, n.file, { flag: 'wx', mode: n.mode ?? 0o644 });
    else if ('dir' in n) fs.mkdirSync(leaf);
    else fs.linkSync(n.hostlink, leaf);
  } finally {
    process.chdir(saved);
  }
}

async function imageOf(base: Layer, img: CorpusImage): Promise<Image> {
  const layers = [base, await layer(img.tree.map(entryOf))];
  for (const extra of img.extra ?? []) layers.push(await layer(extra));
  const config = { Entrypoint: img.entrypoint ?? ['/bin/probe'], Env: ['PATH=/bin'], WorkingDir: img.workingDir ?? '/' };
  return { layers, config: imageConfig(layers, { config }), tag: img.name };
}

async function main(): Promise<void> {
  const [base, host, preload, out] = process.argv.slice(2).map((a) => path.resolve(a));
  const images = corpus(host, preload);
  const baseLayer = layerFromTar(sh('tar', ['-C', base, '--sort=name', '--numeric-owner', '-cf', '-', '.']), 'tar');
  writeOciLayout(path.join(out, 'images'), await Promise.all(images.map((img) => imageOf(baseLayer, img))));
  for (const img of images) {
    for (const copy of COPIES) {
      const root = path.join(out, 'rootfs', img.name, copy);
      fs.mkdirSync(path.dirname(root), { recursive: true });
      sh('cp', ['-al', base, root]);
      for (const n of img.tree) place(root, n);
    }
  }
  const list = images.map((img) => ({
    name: img.name,
    what: img.what,
    args: img.entrypoint ?? ['/bin/probe'],
    cwd: img.workingDir ?? '/',
  }));
  fs.writeFileSync(path.join(out, 'corpus.json'), JSON.stringify(list, null, 1));
}

main().catch((e: Error) => {
  process.stderr.write(`corpus: ${e.message}\n`);
  process.exit(1);
});
