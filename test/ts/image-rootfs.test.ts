/**
 * Container root filesystems: cached layers mounted with overlayfs as root.
 * Whiteouts and opaque directories hide lower files, a name a layer has
 * wins over its own whiteout, writes land in the container's upperdir and
 * never in the cache; a repeated layer mounts once; 40 layers beyond a
 * page of mount options still mount; failures are one line, and so is not
 * being root.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mountRootfs } from '../../cli/src/lib/image/rootfs';
import type { LoadedImage } from '../../cli/src/lib/image/source';
import { unpackImage } from '../../cli/src/lib/image/unpack';
import { type Layer, layer, loadLayers, removeTree, tmpDir, xattr } from './image-fixtures';

const work = tmpDir('rootfs');
const cache = path.join(work, 'cache');
let imageCount = 0;
afterAll(() => removeTree(work));

function imageOf(layers: Layer[]): Promise<LoadedImage> {
  return loadLayers(path.join(work, 'images', String(imageCount++)), layers);
}

describe('overlay: whiteouts and opaque directories in the mounted rootfs', () => {
  test('hide lower files; a same-layer name wins over its own whiteout; writes go to the upperdir, never the cache', async () => {
    const lower = await layer([
      { name: 'a/keep', content: 'k' },
      { name: 'a/gone', content: 'g' },
      { name: 'b/x', content: 'x' },
      { name: 'b/sub/y', content: 'y' },
      { name: 'c/old', content: 'old' },
      { name: 'd/file', content: 'd' },
      { name: 'e', content: 'lower e' },
    ]);
    const upper = await layer([
      { name: 'a/', type: 'directory' },
      { name: 'a/.wh.gone', content: '' },
      { name: 'b/', type: 'directory' },
      { name: 'b/.wh..wh..opq', content: '' },
      { name: 'b/new', content: 'n' },
      { name: '.wh.c', content: '' },
      { name: 'c/fresh', content: 'fresh' },
      { name: '.wh.d', content: '' },
      { name: '.wh.e', content: '' },
      { name: 'e', content: 'upper e' },
    ]);
    const { layerDirs } = await unpackImage(await imageOf([lower, upper]), { cacheDir: cache });
    const top = layerDirs[1];
    const gone = fs.lstatSync(path.join(top, 'a/gone'));
    expect([gone.isCharacterDevice(), gone.rdev]).toEqual([true, 0]);
    expect(xattr(path.join(top, 'b'), 'trusted.overlay.opaque')).toBe('y');
    expect(xattr(path.join(top, 'c'), 'trusted.overlay.opaque')).toBe('y');
    expect(fs.readdirSync(top).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);

    const container = path.join(work, 'container');
    const mounted = await mountRootfs(layerDirs, container);
    try {
      const r = mounted.rootfs;
      expect(r).toBe(path.join(container, 'rootfs'));
      expect(fs.statSync(r).mode & 0o7777).toBe(0o755);
      expect(fs.readdirSync(path.join(r, 'a'))).toEqual(['keep']);
      expect(fs.readdirSync(path.join(r, 'b'))).toEqual(['new']);
      expect(fs.readdirSync(path.join(r, 'c'))).toEqual(['fresh']);
      expect(fs.existsSync(path.join(r, 'd'))).toBe(false);
      expect(fs.readFileSync(path.join(r, 'e'), 'utf8')).toBe('upper e');
      fs.writeFileSync(path.join(r, 'a', 'written'), 'w');
      fs.rmSync(path.join(r, 'a', 'keep'));
      expect(fs.readFileSync(path.join(container, 'upper', 'a', 'written'), 'utf8')).toBe('w');
      expect(fs.readFileSync(path.join(layerDirs[0], 'a', 'keep'), 'utf8')).toBe('k');
      expect(fs.existsSync(path.join(top, 'a', 'written'))).toBe(false);
    } finally {
      await mounted.unmount();
      await mounted.unmount(); // twice is fine
    }
    expect(fs.readdirSync(path.join(container, 'rootfs'))).toEqual([]);
  });
});

test('a layer repeated in an image (as empty layers are) mounts once, at its topmost place', async () => {
  const a = await layer([
    { name: 'f', content: 'A' },
    { name: 'only-a', content: 'a' },
  ]);
  const b = await layer([
    { name: 'f', content: 'B' },
    { name: '.wh.only-a', content: '' },
  ]);
  const { layerDirs, cached } = await unpackImage(await imageOf([a, b, a]), { cacheDir: cache });
  expect(cached).toEqual([false, false, true]);
  const mounted = await mountRootfs(layerDirs, path.join(work, 'repeated'));
  try {
    expect(fs.readFileSync(path.join(mounted.rootfs, 'f'), 'utf8')).toBe('A');
    expect(fs.existsSync(path.join(mounted.rootfs, 'only-a'))).toBe(true);
  } finally {
    await mounted.unmount();
  }
});

test('40 layers whose absolute paths exceed a page of mount options mount with relative lowerdirs', async () => {
  const layers = await Promise.all(Array.from({ length: 40 }, (_, i) => layer([{ name: `n${i}`, content: String(i) }], 'tar')));
  const deepCache = path.join(work, 'c'.repeat(60));
  const { layerDirs } = await unpackImage(await imageOf(layers), { cacheDir: deepCache });
  expect(layerDirs.join(':').length).toBeGreaterThan(4096);
  const mounted = await mountRootfs(layerDirs, path.join(work, 'many'));
  try {
    expect(fs.readdirSync(mounted.rootfs).length).toBe(40);
  } finally {
    await mounted.unmount();
  }
});

test('a missing layer and a mount the kernel refuses are one line each', async () => {
  await expect(mountRootfs([path.join(work, 'no-such-layer')], path.join(work, 'c1'))).rejects.toThrow(
    `rootfs: layer \`${work}/no-such-layer\` is not a directory — expected an unpacked layer`,
  );
  const lower = path.join(work, 'lower-for-nesting');
  fs.mkdirSync(lower);
  // An upperdir on overlayfs itself: the kernel refuses it.
  const outer = await mountRootfs([lower], path.join(work, 'outer'));
  try {
    await expect(mountRootfs([lower], path.join(outer.rootfs, 'inner'))).rejects.toThrow(
      new RegExp(`^mount overlay at \`${outer.rootfs}/inner/rootfs\`: [^\n]+$`),
    );
  } finally {
    await outer.unmount();
  }
});

test('as any user but root, unpacking and mounting say in one line that vaoci run needs root', () => {
  const script = `Promise.allSettled([
    require('./build/ts/cli/src/lib/image/unpack').unpackImage({ layers: [] }, { cacheDir: '/nonexistent' }),
    require('./build/ts/cli/src/lib/image/rootfs').mountRootfs(['/nonexistent'], '/nonexistent'),
  ]).then((r) => console.log(JSON.stringify(r.map((x) => x.reason && x.reason.line))))`;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script], {
    cwd: path.resolve(__dirname, '../..'),
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toEqual([
    'vaoci run needs root (overlayfs, the OCI runtime)',
    'vaoci run needs root (overlayfs, the OCI runtime)',
  ]);
});
