/**
 * Unpacking layers into the cache, as root, on real files: gzip, zstd and
 * plain layers; owners, modes, mtimes, PAX and GNU long names; hard links;
 * every way a hostile layer could write outside its directory; digest,
 * diff_id and compression failures leaving no cache entry and no
 * temporary; the cache hit that never opens the blob. Mounting is
 * image-rootfs.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure } from '../../cli/src/lib/errors';
import type { LoadedImage } from '../../cli/src/lib/image/source';
import { marksInput, overlayMarksProgram, writeOverlayMarks } from '../../cli/src/lib/image/overlay-marks';
import { unpackImage } from '../../cli/src/lib/image/unpack';
import {
  type Compression,
  type Entry,
  type Layer,
  MTIME,
  compress,
  hex,
  imageConfig,
  layer,
  layerFromTar,
  loadLayers,
  sha256,
  tarOf,
  tmpDir,
  xattr,
  zstdInstalled,
} from './image-fixtures';

const work = tmpDir('unpack');
const cache = path.join(work, 'cache');
const outside = path.join(work, 'outside');
const layersDir = path.join(cache, 'layers', 'sha256');
let imageCount = 0;

beforeAll(() => {
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'keep'), 'sentinel');
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** imageOf writes an OCI layout with these layers and loads it through the real oci: source. */
function imageOf(layers: Layer[], config?: Buffer): Promise<LoadedImage> {
  return loadLayers(path.join(work, 'images', String(imageCount++)), layers, config);
}

async function unpackLayers(layers: Layer[]): Promise<string[]> {
  return (await unpackImage(await imageOf(layers), { cacheDir: cache })).layerDirs;
}

/** failure unpacks and returns the one line it fails with. */
async function failure(layers: Layer[], config?: Buffer): Promise<string> {
  try {
    await unpackImage(await imageOf(layers, config), { cacheDir: cache });
  } catch (e) {
    expect(e).toBeInstanceOf(Failure);
    expect((e as Failure).line).not.toContain('\n');
    return (e as Failure).line;
  }
  throw new Error('expected the unpack to fail');
}

/** snapshot describes a tree (names, types, modes, contents, link targets) to compare before and after. */
function snapshot(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: false })
    .map(String)
    .sort()
    .map((name) => {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      const what = st.isSymbolicLink() ? `-> ${fs.readlinkSync(p)}` : st.isFile() ? fs.readFileSync(p, 'utf8') : '';
      return `${name} ${st.mode.toString(8)} ${what}`;
    });
}

/** noLeftovers: no cache entry for the digest and no temporary directory. */
function expectNoLeftovers(digest: string): void {
  expect(fs.existsSync(path.join(layersDir, hex(digest)))).toBe(false);
  expect(fs.readdirSync(layersDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
}

const sample: Entry[] = [
  { name: './', type: 'directory', mode: 0o755 },
  { name: 'bin/', type: 'directory', mode: 0o755 },
  { name: 'bin/app', content: '#!/bin/sh\necho app\n', mode: 0o4755, uid: 1000, gid: 1001 },
  { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
  { name: 'tmp/', type: 'directory', mode: 0o1777, mtime: new Date('2020-05-06T07:08:09Z') },
  { name: `deep/${'d'.repeat(120)}/${'f'.repeat(150)}`, content: 'long name' },
  { name: 'paxowner', content: 'pax', pax: { uid: '70000', gid: '70001', mtime: '1600000000.5' } },
];

describe.each(['gzip', 'zstd', 'tar'] as Compression[])('a %s layer', (c) => {
  const run = c !== 'zstd' || zstdInstalled();
  (run ? test : test.skip)(
    'unpacks with contents, owners, modes (setuid, sticky), mtimes, symlinks, PAX long names and owners',
    async () => {
      const [dir] = await unpackLayers([await layer(sample, c)]);
      expect(dir).toMatch(new RegExp(`${layersDir}/[0-9a-f]{64}/fs$`));
      const app = fs.lstatSync(path.join(dir, 'bin/app'));
      expect([fs.readFileSync(path.join(dir, 'bin/app'), 'utf8'), app.mode & 0o7777, app.uid, app.gid]).toEqual([
        '#!/bin/sh\necho app\n',
        0o4755,
        1000,
        1001,
      ]);
      expect(app.mtime.getTime()).toBe(MTIME.getTime());
      expect(fs.readlinkSync(path.join(dir, 'bin/sh'))).toBe('/bin/busybox');
      const tmp = fs.lstatSync(path.join(dir, 'tmp'));
      expect([tmp.mode & 0o7777, tmp.mtime.toISOString()]).toEqual([0o1777, '2020-05-06T07:08:09.000Z']);
      expect(fs.readFileSync(path.join(dir, 'deep', 'd'.repeat(120), 'f'.repeat(150)), 'utf8')).toBe('long name');
      const pax = fs.lstatSync(path.join(dir, 'paxowner'));
      expect([pax.uid, pax.gid, pax.mtimeMs]).toEqual([70000, 70001, 1600000000500]);
    },
  );
});

test('a zstd layer without the zstd program is one line saying so', async () => {
  if (!zstdInstalled()) return; // the blob itself needs zstd to be made
  const l = await layer([{ name: 'a', content: 'a' }], 'zstd');
  const saved = process.env.PATH;
  process.env.PATH = path.join(work, 'empty-path');
  try {
    expect(await failure([l])).toBe(
      `layer 1/1 ${l.digest}: zstd-compressed, and no \`zstd\` program on PATH to decompress it (Node has no zstd) — expected zstd installed`,
    );
  } finally {
    process.env.PATH = saved;
  }
  expectNoLeftovers(l.digest);
});

test('GNU tar long names and hard links (a layer made by tar itself)', async () => {
  const src = path.join(work, 'gnu-src');
  const long = path.join(src, 'x'.repeat(110), 'y'.repeat(110));
  fs.mkdirSync(long, { recursive: true });
  fs.writeFileSync(path.join(long, 'file'), 'gnu');
  fs.linkSync(path.join(long, 'file'), path.join(src, 'hard'));
  const tarFile = path.join(work, 'gnu.tar');
  expect(spawnSync('tar', ['--format=gnu', '--sort=name', '-cf', tarFile, '-C', src, '.']).status).toBe(0);
  const [dir] = await unpackLayers([layerFromTar(fs.readFileSync(tarFile), 'gzip')]);
  const file = path.join(dir, 'x'.repeat(110), 'y'.repeat(110), 'file');
  expect(fs.readFileSync(file, 'utf8')).toBe('gnu');
  expect(fs.statSync(file).ino).toBe(fs.statSync(path.join(dir, 'hard')).ino);
});

describe('hard links', () => {
  test('share the inode of an earlier file of the same layer', async () => {
    const [dir] = await unpackLayers([
      await layer([
        { name: 'f', content: 'shared', mode: 0o755 },
        { name: 'h', type: 'link', linkname: 'f' },
        { name: 'sub/h2', type: 'link', linkname: './f' },
      ]),
    ]);
    const f = fs.statSync(path.join(dir, 'f'));
    expect([fs.statSync(path.join(dir, 'h')).ino, fs.statSync(path.join(dir, 'sub/h2')).ino, f.nlink]).toEqual([f.ino, f.ino, 3]);
  });

  test.each([
    [
      'a file not extracted yet',
      [
        { name: 'h', type: 'link', linkname: 'later' },
        { name: 'later', content: 'x' },
      ] as Entry[],
      'h',
      'later',
    ],
    [
      'a file outside the layer',
      [{ name: 'h', type: 'link', linkname: '../../../../../../etc/passwd' }] as Entry[],
      'h',
      '../../../../../../etc/passwd',
    ],
    [
      'a directory',
      [
        { name: 'd/', type: 'directory' },
        { name: 'h', type: 'link', linkname: 'd' },
      ] as Entry[],
      'h',
      'd',
    ],
  ])('to %s is one line and leaves nothing', async (_what, entries, name, target) => {
    const nlink = fs.statSync('/etc/passwd').nlink;
    const l = await layer(entries);
    const line = await failure([l]);
    expect(line).toMatch(
      new RegExp(
        `^layer 1/1 ${l.digest}: entry \`${name}\`: hard link to \`${target.replace(/\./g, '\\.')}\`, which this layer has not extracted( as a file \\(a directory\\))? — expected a link to an earlier file of the same layer$`,
      ),
    );
    expect(fs.statSync('/etc/passwd').nlink).toBe(nlink);
    expectNoLeftovers(l.digest);
  });
});

describe('a hostile layer never writes outside its directory', () => {
  const hostName = `vaoci-test-${process.pid}`;

  test('`..` and absolute names are normalized inside the layer root', async () => {
    const before = snapshot(outside);
    const [dir] = await unpackLayers([
      await layer([
        { name: '../../../../../../../x', content: 'dotdot' },
        { name: `/etc/${hostName}`, content: 'absolute' },
        { name: `./a/../../${hostName}-2`, content: 'mixed' },
        { name: `../../../../../../${path.relative('/', outside)}/pwn`, content: 'escape' },
      ]),
    ]);
    expect(fs.readFileSync(path.join(dir, 'x'), 'utf8')).toBe('dotdot');
    expect(fs.readFileSync(path.join(dir, 'etc', hostName), 'utf8')).toBe('absolute');
    expect(fs.readFileSync(path.join(dir, `${hostName}-2`), 'utf8')).toBe('mixed');
    expect(fs.readFileSync(path.join(dir, path.relative('/', outside), 'pwn'), 'utf8')).toBe('escape');
    expect(fs.existsSync(`/etc/${hostName}`)).toBe(false);
    expect(snapshot(outside)).toEqual(before);
  });

  test.each([
    [
      'an absolute symlink, then a file below it',
      [
        { name: 'evil', type: 'symlink', linkname: outside },
        { name: 'evil/file', content: 'pwned' },
      ],
      'evil/file',
      'evil',
    ],
    [
      'a relative symlink climbing out, then a file below it',
      [
        { name: 'up', type: 'symlink', linkname: '../../../../../../../../..' + outside },
        { name: 'up/file', content: 'pwned' },
      ],
      'up/file',
      'up',
    ],
    [
      'a directory replaced by a symlink, then a file below it',
      [
        { name: 'd/', type: 'directory' },
        { name: 'd', type: 'symlink', linkname: outside },
        { name: 'd/file', content: 'pwned' },
      ],
      'd/file',
      'd',
    ],
    [
      'a symlinked parent deeper down',
      [
        { name: 'a/b/', type: 'directory' },
        { name: 'a/b/c', type: 'symlink', linkname: outside },
        { name: 'a/b/c/d/e', content: 'pwned' },
      ],
      'a/b/c/d/e',
      'a/b/c',
    ],
    [
      'a hard link through a symlinked parent',
      [
        { name: 's', type: 'symlink', linkname: outside },
        { name: 'h', type: 'link', linkname: 's/keep' },
      ],
      'h',
      null,
    ],
    [
      'a whiteout below a symlink',
      [
        { name: 'w', type: 'symlink', linkname: outside },
        { name: 'w/.wh.keep', content: '' },
      ],
      'w/.wh.keep',
      'w',
    ],
    [
      'an opaque marker below a symlink',
      [
        { name: 'o', type: 'symlink', linkname: outside },
        { name: 'o/.wh..wh..opq', content: '' },
      ],
      'o/.wh..wh..opq',
      'o',
    ],
    [
      'a file below a file',
      [
        { name: 'f', content: 'x' },
        { name: 'f/g', content: 'y' },
      ],
      'f/g',
      'f',
    ],
  ] as Array<[string, Entry[], string, string | null]>)('%s: one line, the sentinel untouched', async (_what, entries, name, parent) => {
    const before = snapshot(outside);
    const l = await layer(entries);
    const line = await failure([l]);
    if (parent) {
      const kind = entries.find((e) => e.name === parent && e.type === 'symlink') || parent === 'd' ? 'a symlink' : 'not a directory';
      expect(line).toBe(
        `layer 1/1 ${l.digest}: entry \`${name}\`: its parent \`${parent}\` is ${kind} — expected a directory (never written through)`,
      );
    } else {
      expect(line).toMatch(/hard link to `s\/keep`, which this layer has not extracted/);
    }
    expect(snapshot(outside)).toEqual(before);
    expect(xattr(outside, 'trusted.overlay.opaque')).toBeNull();
    expectNoLeftovers(l.digest);
  });

  test('a symlink replaced by a file, a directory replaced by a symlink, deletions below a replaced directory: outside untouched', async () => {
    const before = snapshot(outside);
    const mode = fs.statSync(outside).mode;
    const [dir] = await unpackLayers([
      await layer([
        { name: 'evil', type: 'symlink', linkname: path.join(outside, 'keep') },
        { name: 'evil', content: 'replaced' }, // the symlink is unlinked, never followed
        { name: 'm/', type: 'directory', mode: 0o777 }, // its mode is set at the end: by then m is a symlink, skipped
        { name: 'm/.wh..wh..opq', content: '' },
        { name: 'm/.wh.keep', content: '' },
        { name: 'm', type: 'symlink', linkname: outside },
      ]),
    ]);
    expect(fs.readFileSync(path.join(dir, 'evil'), 'utf8')).toBe('replaced');
    expect(fs.readlinkSync(path.join(dir, 'm'))).toBe(outside);
    expect(snapshot(outside)).toEqual(before);
    expect(fs.statSync(outside).mode).toBe(mode);
    expect(xattr(outside, 'trusted.overlay.opaque')).toBeNull();
  });

  test('device nodes and FIFOs are skipped, so a layer cannot plant a 0/0 device (an overlay whiteout)', async () => {
    const l = await layer([
      { name: 'dev/', type: 'directory' },
      { name: 'dev/null', type: 'character-device' },
      { name: 'etc', type: 'character-device' },
      { name: 'pipe', type: 'fifo' },
    ]);
    const { layerDirs, skipped } = await unpackImage(await imageOf([l]), { cacheDir: cache });
    expect(skipped).toEqual([['dev/null', 'etc', 'pipe']]);
    expect(fs.readdirSync(layerDirs[0]).sort()).toEqual(['dev']);
    expect(fs.readdirSync(path.join(layerDirs[0], 'dev'))).toEqual([]);
  });
});

describe('deletions are written without python3 (issue 17: vaoci-overlay-marks)', () => {
  test('no python3 on PATH: whiteouts, kept names, opaque directories, odd names', async () => {
    const bin = path.join(work, 'path-empty');
    fs.mkdirSync(bin);
    const odd = 'tab\there\nnl'; // a layer's names are any bytes but NUL and `/`
    const l = await layer([
      { name: 'a/', type: 'directory' },
      { name: 'a/keep', content: 'mine' },
      { name: 'a/.wh.keep', content: '' }, // a deletion of a name this layer has: kept
      { name: 'a/.wh.gone', content: '' },
      { name: `a/.wh.${odd}`, content: '' },
      { name: 'b/', type: 'directory' },
      { name: 'b/.wh..wh..opq', content: '' },
      { name: 'c/', type: 'directory' },
      { name: '.wh.c', content: '' }, // a deletion of a directory this layer has: made opaque
      { name: '.wh.top', content: '' },
    ]);
    const img = await imageOf([l]);
    const saved = process.env.PATH;
    process.env.PATH = bin;
    let dir: string;
    try {
      [dir] = (await unpackImage(img, { cacheDir: cache })).layerDirs;
    } finally {
      process.env.PATH = saved;
    }
    for (const w of ['a/gone', `a/${odd}`, 'top']) {
      const st = fs.lstatSync(path.join(dir, w));
      expect([w, st.isCharacterDevice(), st.rdev]).toEqual([w, true, 0]);
    }
    expect(fs.readFileSync(path.join(dir, 'a/keep'), 'utf8')).toBe('mine');
    expect(xattr(path.join(dir, 'b'), 'trusted.overlay.opaque')).toBe('y');
    expect(xattr(path.join(dir, 'c'), 'trusted.overlay.opaque')).toBe('y');
    expect(fs.lstatSync(path.join(dir, 'c')).isDirectory()).toBe(true);
    expect(xattr(path.join(dir, 'a'), 'trusted.overlay.opaque')).toBeNull();
  });

  // Jest gives a test its own copy of process.env; Node's child_process
  // still searches the real PATH. A process of its own, whose whole PATH is
  // one directory holding a python3 that records any call and fails, shows
  // the module never runs python3 at all.
  test('a process whose only python3 is a trap: the marks are written, python3 never runs', () => {
    const bin = path.join(work, 'path-trap');
    const called = path.join(work, 'python3-called');
    const root = path.join(work, 'trap-root');
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(root, 'c'), { recursive: true });
    fs.writeFileSync(path.join(bin, 'python3'), `#!/bin/sh\necho "$@" >> '${called}'\nexit 99\n`, { mode: 0o755 });
    // The CLI as built (make build), as a user runs it.
    const script = `require('./build/ts/cli/src/lib/image/overlay-marks.js').writeOverlayMarks(process.argv[1], [['gone'], ['c']], [[]], 'layer 1/1 t')
      .then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); })`;
    const r = spawnSync(process.execPath, ['-e', script, root], {
      cwd: path.resolve(__dirname, '../..'),
      env: { PATH: bin },
      encoding: 'utf8',
    });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(fs.existsSync(called)).toBe(false);
    const gone = fs.lstatSync(path.join(root, 'gone'));
    expect([gone.isCharacterDevice(), gone.rdev]).toEqual([true, 0]);
    expect(xattr(path.join(root, 'c'), 'trusted.overlay.opaque')).toBe('y');
    expect(xattr(root, 'trusted.overlay.opaque')).toBe('y');
  });

  test('vaoci-overlay-marks missing: one line naming where it was looked for', () => {
    expect(() => overlayMarksProgram('layer 1/1 x', [path.join(work, 'nowhere', 'vaoci-overlay-marks')])).toThrow(
      new Failure(
        `layer 1/1 x: has deletions, and vaoci-overlay-marks is not at \`${path.join(work, 'nowhere', 'vaoci-overlay-marks')}\` to write overlay whiteouts — run \`make build\` (or \`vaoci node install\`)`,
        'missing',
      ),
    );
  });

  test("a mark that cannot be written: the program's one line, under the layer name", async () => {
    const gone = path.join(work, 'no-such-layer-root');
    await expect(writeOverlayMarks(gone, [['x']], [], 'layer 1/1 y')).rejects.toThrow(
      `layer 1/1 y: writing overlay whiteouts: vaoci-overlay-marks: layer root \`${gone}\`: open: No such file or directory (errno 2)`,
    );
  });

  test('the records: KIND PATH NUL, any bytes but `/` and NUL in a component', () => {
    expect(marksInput([['a', 'b\nc'], ['t']], [[], ['d']], 'l').toString('utf8')).toBe('wa/b\nc\0wt\0o\0od\0');
    expect(() => marksInput([['a/b']], [], 'l')).toThrow(/deletion component "a\/b" holds `\/` or NUL/);
  });
});

describe('failures leave no cache entry and no temporary', () => {
  test('a blob whose digest does not match', async () => {
    const l = await layer([{ name: 'a', content: 'aaaa' }], 'tar');
    const img = await imageOf([l]);
    const blobFile = path.join(work, 'images', String(imageCount - 1), 'blobs', 'sha256', hex(l.digest));
    fs.writeFileSync(blobFile, Buffer.from(l.blob.toString('latin1').replace('aaaa', 'bbbb'), 'latin1')); // same size, valid tar
    await expect(unpackImage(img, { cacheDir: cache })).rejects.toThrow(
      new RegExp(`^layer 1/1 ${l.digest}: blob: content hashes to sha256:[0-9a-f]{64} — expected ${l.digest}$`),
    );
    expectNoLeftovers(l.digest);
  });

  test('a blob of another size than its descriptor', async () => {
    const l = await layer([{ name: 'a', content: 'a' }]);
    const img = await imageOf([l]);
    fs.appendFileSync(path.join(work, 'images', String(imageCount - 1), 'blobs', 'sha256', hex(l.digest)), 'x');
    await expect(unpackImage(img, { cacheDir: cache })).rejects.toThrow(
      `layer 1/1 ${l.digest}: blob: more than the ${l.blob.length} bytes its descriptor says`,
    );
    expectNoLeftovers(l.digest);
  });

  test('an uncompressed tar that is not the config diff_id', async () => {
    const l = await layer([{ name: 'a', content: 'a' }]);
    const config = imageConfig([{ ...l, diffId: sha256('something else') }]);
    expect(await failure([l], config)).toBe(
      `layer 1/1 ${l.digest}: uncompressed tar (the config's diff_id): content hashes to ${l.diffId} — expected ${sha256('something else')}`,
    );
    expectNoLeftovers(l.digest);
  });

  test.each([
    [
      'corrupt',
      (gz: Buffer) => Buffer.concat([gz.subarray(0, 12), Buffer.alloc(64, 0xa5), gz.subarray(76)]),
      /gzip: .+ — expected a valid gzip stream$/,
    ],
    ['truncated', (gz: Buffer) => gz.subarray(0, gz.length >> 1), /gzip: unexpected end of file — expected a valid gzip stream$/],
  ])('a %s gzip', async (_what, damage, line) => {
    const tarBytes = await tarOf([{ name: 'big', content: 'z'.repeat(20000) + Math.random() }]);
    const blob = damage(compress(tarBytes, 'gzip'));
    const l: Layer = { blob, digest: sha256(blob), diffId: sha256(tarBytes), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
    const got = await failure([l]);
    expect(got.startsWith(`layer 1/1 ${l.digest}: `)).toBe(true);
    expect(got).toMatch(line);
    expectNoLeftovers(l.digest);
  });

  (zstdInstalled() ? test.each : test.skip.each)([
    ['truncated', (z: Buffer) => z.subarray(0, z.length - 8)],
    ['corrupt', (z: Buffer) => Buffer.concat([z.subarray(0, 16), Buffer.alloc(4096, 0x5a), z.subarray(4112)])],
  ])("a %s zstd: zstd's own message, not a broken pipe", async (_what, damage) => {
    const tarBytes = await tarOf([{ name: 'big', content: Buffer.from(Buffer.alloc(4 << 20).map((_, i) => (i * 7919) % 251)) }]);
    const blob = damage(compress(tarBytes, 'zstd'));
    const l: Layer = { blob, digest: sha256(blob), diffId: sha256(tarBytes), mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' };
    expect(await failure([l])).toMatch(new RegExp(`^layer 1/1 ${l.digest}: zstd: .+ — expected a valid zstd stream$`));
    expectNoLeftovers(l.digest);
  });

  test('a tar that is not a tar', async () => {
    const junk = Buffer.alloc(1024, 0x41);
    const l: Layer = { blob: junk, digest: sha256(junk), diffId: sha256(junk), mediaType: 'application/vnd.oci.image.layer.v1.tar' };
    expect(await failure([l])).toBe(`layer 1/1 ${l.digest}: tar: Invalid tar header — expected a valid layer tar`);
    expectNoLeftovers(l.digest);
  });

  test('temporaries of a process that is gone are removed by the next run; a live one is left alone', async () => {
    fs.mkdirSync(layersDir, { recursive: true });
    const dead = spawnSync('true').pid as number;
    const live = spawn('sleep', ['30']);
    const stale = path.join(layersDir, `.tmp-${'a'.repeat(64)}-${dead}-00000000`);
    const busy = path.join(layersDir, `.tmp-${'b'.repeat(64)}-${live.pid}-00000000`);
    for (const d of [stale, busy]) fs.mkdirSync(path.join(d, 'fs', 'half'), { recursive: true });
    try {
      await unpackLayers([await layer([{ name: 'next-run', content: String(Math.random()) }])]);
      expect(fs.existsSync(stale)).toBe(false);
      expect(fs.existsSync(busy)).toBe(true);
    } finally {
      live.kill();
      fs.rmSync(busy, { recursive: true, force: true });
    }
  });
});

describe('the cache', () => {
  test('a second unpack hits the cache and never opens the blobs; progress counts bytes per layer', async () => {
    const layers = [
      await layer([{ name: 'one', content: 'x'.repeat(300000) + Math.random() }], 'tar'),
      await layer([{ name: 'two', content: String(Math.random()) }]),
    ];
    const img = await imageOf(layers);
    const calls: Array<[number, number, string]> = [];
    const first = await unpackImage(img, { cacheDir: cache, onProgress: (d, t, w) => calls.push([d, t, w]) });
    expect(first.cached).toEqual([false, false]);
    const forFirst = calls.filter((c) => c[2] === layers[0].digest.slice(0, 19));
    expect(forFirst.length).toBeGreaterThan(1);
    expect(forFirst[forFirst.length - 1]).toEqual([layers[0].blob.length, layers[0].blob.length, layers[0].digest.slice(0, 19)]);
    expect(forFirst.every((c, i) => i === 0 || c[0] >= forFirst[i - 1][0])).toBe(true);

    let opened = 0;
    const counted: LoadedImage = { ...img, layers: img.layers.map((l) => ({ ...l, open: () => (opened++, l.open()) })) };
    const second = await unpackImage(counted, { cacheDir: cache });
    expect(second.cached).toEqual([true, true]);
    expect(second.layerDirs).toEqual(first.layerDirs);
    expect(opened).toBe(0);
  });
});
