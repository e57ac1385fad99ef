/**
 * The image cache of `vaoci run` seen and cleaned (issue 17): `vaoci
 * images`, `vaoci rmi`, `vaoci prune`. First on hand-made caches (layers
 * of known sizes, records, leases, leftovers, a real overlay mount, a
 * symlink trap), through the commands in-process; then on the cache the
 * real `vaoci run demo` makes, through bin/vaoci. Needs root (overlayfs).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CachePaths, type ImageRecord, writeRecord } from '../../cli/src/lib/image/cache';
import { diskUse, mountedLayers } from '../../cli/src/lib/image/cache-usage';
import { validate } from '../../cli/src/lib/schema';
import { type ContainerEntry, StateDir } from '../../cli/src/lib/run/state';
import { ROOT, type Ran, tempDir, vaoci } from './cli-helpers';

jest.setTimeout(120_000);
const work = tempDir('image-cache');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const digest = (seed: string): string => `sha256:${crypto.createHash('sha256').update(seed).digest('hex')}`;
const hex = (d: string): string => d.slice('sha256:'.length);

/** Cache is one hand-made state directory. */
class Cache {
  readonly state: StateDir;
  readonly paths: CachePaths;
  constructor(name: string) {
    this.state = new StateDir(path.join(work, name));
    this.state.ensure();
    this.paths = new CachePaths(this.state.cache);
  }
  /** layer makes a complete layer entry holding one file of `bytes` bytes; returns its digest. */
  layer(seed: string, bytes: number): string {
    const d = digest(seed);
    const fsDir = path.join(this.paths.layers, hex(d), 'fs');
    fs.mkdirSync(fsDir, { recursive: true });
    fs.writeFileSync(path.join(fsDir, 'data'), crypto.randomBytes(bytes));
    return d;
  }
  image(seed: string, references: string[], layers: string[], lastUsed: string): ImageRecord {
    fs.mkdirSync(this.paths.images, { recursive: true });
    const r: ImageRecord = { version: 1, config_digest: digest(seed), references, platform: 'linux/amd64', layers, last_used: lastUsed };
    writeRecord(this.paths, r);
    return r;
  }
  container(id: string, image: ImageRecord, status: ContainerEntry['status'] = 'exited'): void {
    const bundle = path.join(this.state.root, 'containers', id);
    fs.mkdirSync(bundle, { recursive: true });
    this.state.put({
      id,
      image: image.references[0] ?? 'x',
      config_digest: image.config_digest,
      image_arch: 'amd64',
      runtime: '/bin/true',
      args: ['true'],
      annotations: {},
      bundle,
      created: '2025-01-01T00:00:00Z',
      finished: status === 'exited' ? '2025-01-01T00:00:01Z' : null,
      status,
      exit_code: status === 'exited' ? 0 : null,
      report: null,
    });
  }
  has(d: string): boolean {
    return fs.existsSync(path.join(this.paths.layers, hex(d), 'fs', 'data'));
  }
  size(d: string): number {
    return diskUse(path.join(this.paths.layers, hex(d)));
  }
  run(args: string[]): Promise<Ran> {
    return vaoci(args, { VAOCI_STATE: this.state.root });
  }
}

/** oneLine checks a failure: exit 2, nothing on stdout, one line on stderr; returns it. */
function oneLine(r: Ran): string {
  expect(r.exit).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  return r.stderr.trimEnd();
}

/** deadPid is the pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(r.stdout.toString().trim());
}

describe('a hand-made cache', () => {
  // base is shared by app and tool; solo only app's; orphan no image's.
  const c = new Cache('hand');
  const base = c.layer('base', 300_000);
  const solo = c.layer('solo', 120_000);
  const orphan = c.layer('orphan', 50_000);
  const app = c.image('app', ['oci:/images/app:v1'], [base, solo], '2025-03-01T00:00:00.000Z');
  const tool = c.image('tool', ['demo'], [base], '2025-04-01T00:00:00.000Z');
  const old = c.image('old', [], [base, digest('gone')], '2025-02-01T00:00:00.000Z');
  c.container('aaaaaaaaaaaa', tool);

  test('images: one row per image, newest use first, sizes of its layers, the layers counted once', async () => {
    const r = await c.run(['images', '--json']);
    expect(r.exit).toBe(0);
    expect(validate('cli-images', r.json)).toEqual([]);
    const imgs = r.json?.images as Array<Record<string, unknown>>;
    expect(imgs.map((i) => i.config_digest)).toEqual([tool.config_digest, app.config_digest, old.config_digest]);
    expect(imgs.map((i) => i.id)).toEqual([tool, app, old].map((i) => hex(i.config_digest).slice(0, 12)));
    expect(imgs.map((i) => i.size)).toEqual([c.size(base), c.size(base) + c.size(solo), c.size(base)]);
    expect(c.size(solo)).toBeGreaterThanOrEqual(120_000); // the sizes are the files', not empty directories'
    expect(imgs.map((i) => i.missing_layers)).toEqual([0, 0, 1]);
    expect(imgs.map((i) => i.containers)).toEqual([['aaaaaaaaaaaa'], [], []]);
    expect(r.json?.layers).toEqual({
      count: 3,
      bytes: c.size(base) + c.size(solo) + c.size(orphan),
      unused: 1,
      unused_bytes: c.size(orphan),
    });

    const human = await c.run(['images']);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^IMAGE ID +REFERENCE +PLATFORM +LAYERS +SIZE +LAST USED +CONTAINERS$/);
    expect(lines[1]).toMatch(new RegExp(`^${hex(tool.config_digest).slice(0, 12)} +demo +linux/amd64 +1 +`));
    expect(lines[3]).toMatch(/ <none> .* 2 \(1 missing\) /);
    expect(lines[4]).toMatch(/^3 layers unpacked, .*; 1 layer no image lists \(.*\): vaoci prune frees them$/);
  });

  test('rmi: an image a container uses is refused in one line; nothing is removed', async () => {
    const line = oneLine(await c.run(['rmi', 'demo']));
    expect(line).toBe(
      'vaoci rmi: IMAGE `demo`: used by container aaaaaaaaaaaa — expected an image no container uses (vaoci rm them first), or --force',
    );
    const json = await c.run(['rmi', 'demo', '--json']);
    expect(json.exit).toBe(2);
    expect(validate('cli-error', json.json)).toEqual([]);
    expect(fs.existsSync(c.paths.record(tool.config_digest))).toBe(true);
    expect(c.has(base)).toBe(true);
  });

  test('rmi: a name not in the cache is one line naming it, and the names before it stay', async () => {
    expect(oneLine(await c.run(['rmi', 'oci:/images/app:v1', 'nope:latest']))).toBe(
      'vaoci rmi: IMAGE `nope:latest`: no such image in the cache — expected a reference or an IMAGE ID from `vaoci images`',
    );
    expect(fs.existsSync(c.paths.record(app.config_digest))).toBe(true);
  });

  test("rmi by IMAGE ID prefix: the image and its own layer go, the shared layer stays; the bytes freed are its layer's", async () => {
    const soloBytes = c.size(solo);
    const r = await c.run(['rmi', '--json', hex(app.config_digest).slice(0, 8)]);
    expect(r.exit).toBe(0);
    expect(validate('cli-rmi', r.json)).toEqual([]);
    expect(r.json).toEqual({
      removed: [{ id: hex(app.config_digest).slice(0, 12), config_digest: app.config_digest, references: app.references }],
      layers: [solo],
      kept_layers: [],
      freed_bytes: soloBytes,
    });
    expect(fs.existsSync(c.paths.record(app.config_digest))).toBe(false);
    expect([c.has(solo), c.has(base), c.has(orphan)]).toEqual([false, true, true]);
  });

  test('rmi --force of an image in use: the record goes, the layers its container uses stay until prune finds them free', async () => {
    const r = await c.run(['rmi', '--force', '--json', 'demo']);
    expect(r.exit).toBe(0);
    expect(validate('cli-rmi', r.json)).toEqual([]);
    expect(r.json).toMatchObject({ layers: [], kept_layers: [], freed_bytes: 0 }); // base: still listed by `old`
    expect(fs.existsSync(c.paths.record(tool.config_digest))).toBe(false);
    expect(c.has(base)).toBe(true);
    expect((await c.run(['images', '--json'])).json?.images.map((i: { config_digest: string }) => i.config_digest)).toEqual([
      old.config_digest,
    ]);
  });
});

describe('prune', () => {
  test('frees unused images and layers and leftovers; keeps what a container, a live lease or a mount needs', async () => {
    const c = new Cache('prune');
    const used = c.layer('used', 10_000);
    const leased = c.layer('leased', 10_000);
    const mounted = c.layer('mounted', 10_000);
    const unused = c.layer('unused', 200_000);
    const inUse = c.image('in-use', ['demo'], [used], '2025-01-01T00:00:00.000Z');
    const idle = c.image('idle', ['idle'], [unused], '2025-01-01T00:00:00.000Z');
    c.container('bbbbbbbbbbbb', inUse, 'running');
    // A vaoci run still starting (this process: alive) has leased a layer no record lists yet.
    fs.mkdirSync(c.paths.leases, { recursive: true });
    fs.writeFileSync(
      path.join(c.paths.leases, `${process.pid}-0001.json`),
      JSON.stringify({ pid: process.pid, start: null, config_digest: digest('starting'), layers: [leased] }),
    );
    // Leftovers: an unpack killed mid-way, an entry without its fs, an unreadable record, a dead run's lease.
    const dead = deadPid();
    const tmp = `.tmp-${hex(unused)}-${dead}-abcd1234`;
    fs.mkdirSync(path.join(c.paths.layers, tmp, 'fs'), { recursive: true });
    fs.writeFileSync(path.join(c.paths.layers, tmp, 'fs', 'half'), crypto.randomBytes(100_000));
    const live = `.tmp-${hex(leased)}-${process.pid}-abcd1234`; // an unpack in progress: not a leftover
    fs.mkdirSync(path.join(c.paths.layers, live));
    const noFs = hex(digest('no-fs'));
    fs.mkdirSync(path.join(c.paths.layers, noFs));
    fs.writeFileSync(path.join(c.paths.images, `${hex(digest('broken'))}.json`), '{"version":');
    fs.writeFileSync(
      path.join(c.paths.leases, `${dead}-0002.json`),
      JSON.stringify({ pid: dead, start: null, config_digest: idle.config_digest, layers: [unused] }),
    );
    // A symlink trap: an entry that points outside the cache; prune must unlink it, never follow it.
    const outside = path.join(work, 'outside');
    fs.mkdirSync(path.join(outside, 'fs'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'fs', 'keep'), 'sentinel');
    const trap = hex(digest('trap'));
    fs.symlinkSync(outside, path.join(c.paths.layers, trap));
    // A real overlay mount of one layer, as a container's rootfs would have it.
    const mnt = path.join(work, 'mnt');
    for (const d of ['upper', 'work', 'merged']) fs.mkdirSync(path.join(mnt, d), { recursive: true });
    const lower = path.join(c.paths.layers, hex(mounted), 'fs');
    const m = spawnSync('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${lower},upperdir=${mnt}/upper,workdir=${mnt}/work`,
      `${mnt}/merged`,
    ]);
    expect(m.status).toBe(0);
    try {
      const freedExpected = c.size(unused) + diskUse(path.join(c.paths.layers, tmp));
      const r = await c.run(['prune', '--json']);
      expect(r.exit).toBe(0);
      expect(validate('cli-prune', r.json)).toEqual([]);
      expect(r.json?.containers).toEqual([]);
      expect(r.json?.images).toEqual([
        { id: hex(idle.config_digest).slice(0, 12), config_digest: idle.config_digest, references: ['idle'] },
      ]);
      expect([...(r.json?.layers ?? [])].sort()).toEqual([unused, `sha256:${trap}`].sort());
      expect([...(r.json?.partial ?? [])].sort()).toEqual(
        [`layers/sha256/${tmp}`, `layers/sha256/${noFs}`, `images/sha256/${hex(digest('broken'))}.json`].sort(),
      );
      expect(r.json?.freed_bytes).toBeGreaterThanOrEqual(freedExpected);
      expect(r.json?.freed_bytes).toBeLessThan(freedExpected + 64 * 1024); // plus directories and small files, nothing more
      expect([c.has(used), c.has(leased), c.has(mounted), c.has(unused)]).toEqual([true, true, true, false]);
      expect(fs.readFileSync(path.join(outside, 'fs', 'keep'), 'utf8')).toBe('sentinel');
      expect(fs.readdirSync(c.paths.layers).sort()).toEqual([hex(used), hex(leased), hex(mounted), live].sort());
      expect(fs.readdirSync(c.paths.leases)).toEqual([`${process.pid}-0001.json`]); // the dead run's went, quietly
      expect(fs.readdirSync(`${mnt}/merged`)).toEqual(['data']);
      // A second prune finds nothing more.
      expect((await c.run(['prune', '--json'])).json).toEqual({ containers: [], images: [], layers: [], partial: [], freed_bytes: 0 });
    } finally {
      spawnSync('umount', [`${mnt}/merged`]);
    }
    // Unmounted, no lease: with --all the exited container goes too, and then everything.
    fs.rmSync(path.join(c.paths.leases, `${process.pid}-0001.json`));
    c.state.update((all) => all.map((e) => ({ ...e, status: 'exited' as const, exit_code: 0, finished: '2025-01-01T00:00:01Z' })));
    const all = await c.run(['prune', '--all']);
    expect(all.exit).toBe(0);
    expect(all.stdout).toMatch(
      /^removed container bbbbbbbbbbbb\nremoved image [0-9a-f]{12} \(demo\)\n(removed layer sha256:[0-9a-f]{64}\n){3}freed .*\n$/,
    );
    expect(c.state.list()).toEqual([]);
    expect(fs.readdirSync(c.paths.layers)).toEqual([live]);
  });

  test('mountedLayers: lowerdirs of overlay mounts of this cache (by real path) or relative ones, nothing else', () => {
    const layers = path.join(work, 'mi', 'layers', 'sha256');
    fs.mkdirSync(layers, { recursive: true });
    fs.symlinkSync(path.join(work, 'mi'), path.join(work, 'mi-link'));
    const [a, b, d, e, f] = ['a', 'b', 'd', 'e', 'f'].map((s) => hex(digest(s)));
    const info = [
      `1 2 0:1 / /x rw - overlay overlay rw,lowerdir=${layers}/${a}/fs:${work}/mi-link/layers/sha256/${b}/fs,upperdir=/u,workdir=/w`,
      `3 2 0:2 / /y rw - overlay overlay rw,lowerdir=${d}/fs,upperdir=/u2,workdir=/w2`,
      `4 2 0:3 / /z rw - ext4 /dev/sda rw,lowerdir=${layers}/${e}/fs`,
      `5 2 0:4 / /v rw - overlay overlay rw,lowerdir=/other/cache/layers/sha256/${f}/fs,upperdir=/u3,workdir=/w3`,
    ].join('\n');
    expect([...mountedLayers(layers, info)].sort()).toEqual([a, b, d].sort());
  });
});

describe('the cache the real vaoci run demo makes', () => {
  const VAOCI = path.join(ROOT, 'bin', 'vaoci');
  const state = path.join(work, 'real');
  interface Out {
    code: number;
    stdout: string;
    stderr: string;
    json?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the CLI's documents are checked by schema, not by type
  }
  const cli = (args: string[]): Promise<Out> =>
    new Promise((resolve) => {
      const child = spawn(VAOCI, args, { env: { ...process.env, VAOCI_STATE: state }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => {
        let json;
        try {
          json = JSON.parse(stdout);
        } catch {
          json = undefined;
        }
        resolve({ code: code ?? 1, stdout, stderr, json });
      });
    });
  afterAll(async () => {
    const left = (await cli(['ps', '--json'])).json?.containers.map((c: { id: string }) => c.id) ?? [];
    if (left.length) await cli(['rm', '--force', ...left]);
  });

  test('images lists demo; rmi refuses it, --force keeps its mounted layers; prune --all frees them; run unpacks again', async () => {
    const ran = await cli(['run', 'demo']);
    expect(ran.code).toBe(0);
    const [container] = (await cli(['ps', '--json'])).json?.containers ?? [];
    const images = await cli(['images', '--json']);
    expect(images.code).toBe(0);
    expect(validate('cli-images', images.json)).toEqual([]);
    expect(images.json?.images).toHaveLength(1);
    const demo = images.json?.images[0];
    expect(demo).toMatchObject({
      references: ['demo'],
      platform: 'linux/amd64',
      config_digest: container.config_digest,
      containers: [container.id],
      missing_layers: 0,
    });
    expect(demo.size).toBeGreaterThan(0);
    expect(images.json?.layers).toMatchObject({ count: new Set(demo.layers).size, unused: 0 });
    const layerDirs = [...new Set(demo.layers as string[])].map((d) => path.join(state, 'cache', 'layers', 'sha256', hex(d)));

    const refused = await cli(['rmi', 'demo']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `vaoci rmi: IMAGE \`demo\`: used by container ${container.id} — expected an image no container uses (vaoci rm them first), or --force\n`,
    );

    const nothing = await cli(['prune', '--json']);
    expect(nothing.json).toEqual({ containers: [], images: [], layers: [], partial: [], freed_bytes: 0 });

    const forced = await cli(['rmi', '--force', '--json', demo.id]);
    expect(forced.code).toBe(0);
    expect(validate('cli-rmi', forced.json)).toEqual([]);
    expect(forced.json).toMatchObject({ removed: [{ config_digest: demo.config_digest }], layers: [], freed_bytes: 0 });
    expect([...(forced.json?.kept_layers ?? [])].sort()).toEqual([...new Set(demo.layers)].sort());
    for (const d of layerDirs) expect(fs.existsSync(path.join(d, 'fs'))).toBe(true);
    expect(fs.readdirSync(path.join(container.bundle, 'rootfs')).length).toBeGreaterThan(0); // the container's rootfs still reads

    const pruned = await cli(['prune', '--all', '--json']);
    expect(pruned.code).toBe(0);
    expect(validate('cli-prune', pruned.json)).toEqual([]);
    expect(pruned.json).toMatchObject({ containers: [container.id], images: [] });
    expect([...(pruned.json?.layers ?? [])].sort()).toEqual([...new Set(demo.layers)].sort());
    expect(pruned.json?.freed_bytes).toBeGreaterThanOrEqual(demo.size);
    for (const d of layerDirs) expect(fs.existsSync(d)).toBe(false);
    expect((await cli(['images', '--json'])).json).toEqual({ images: [], layers: { count: 0, bytes: 0, unused: 0, unused_bytes: 0 } });

    const again = await cli(['run', '--rm', '--json', 'demo']);
    expect(again.code).toBe(0);
    expect(again.json?.layers.every((l: { cached: boolean }) => !l.cached)).toBe(true);
    expect((await cli(['images', '--json'])).json?.images.map((i: { containers: string[] }) => i.containers)).toEqual([[]]);
  });
});
