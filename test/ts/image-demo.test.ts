/**
 * The demo image: test/demo-image/build.mjs builds the same digests twice
 * from the same inputs; `demo` loads it (amd64, /bin/probe as entrypoint,
 * one gzip layer); unpacked and mounted, busybox and the dynamically
 * linked probe run inside it with chroot.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultDemoDir } from '../../cli/src/lib/image/demo';
import { mountRootfs } from '../../cli/src/lib/image/rootfs';
import { parseImageReference } from '../../cli/src/lib/image/source';
import { unpackImage } from '../../cli/src/lib/image/unpack';
import { tmpDir } from './image-fixtures';

const REPO = path.resolve(__dirname, '../..');
const work = tmpDir('demo');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const missing = ['gcc', 'ldd'].filter((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0);
if (!fs.existsSync('/bin/busybox')) missing.push('/bin/busybox');
if (process.arch !== 'x64') missing.push('an x86-64 host');
if (missing.length) console.warn(`image-demo: skipped — building the demo image needs ${missing.join(', ')}`);
const maybe = missing.length ? test.skip : test;

function build(dir: string): string {
  const r = spawnSync('node', ['test/demo-image/build.mjs', dir], { cwd: REPO, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return fs.readFileSync(path.join(dir, 'index.json'), 'utf8');
}

test('`demo` is build/demo-image of the repository', () => {
  expect(defaultDemoDir()).toBe(path.join(REPO, 'build', 'demo-image'));
});

maybe('two builds give the same digests; `demo` loads an amd64 image with /bin/probe as entrypoint', async () => {
  const [a, b] = [path.join(work, 'a'), path.join(work, 'b')];
  const index = build(a);
  expect(build(b)).toBe(index);
  expect(fs.readdirSync(path.join(a, 'blobs', 'sha256')).sort()).toEqual(fs.readdirSync(path.join(b, 'blobs', 'sha256')).sort());
  const img = await parseImageReference('demo', { demoDir: a }).load();
  await img.close();
  expect(img.reference).toBe('demo');
  expect(img.configDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect([img.config.architecture, img.config.os, img.platform]).toEqual(['amd64', 'linux', 'linux/amd64']);
  expect(img.config.config).toMatchObject({
    Entrypoint: ['/bin/probe'],
    Cmd: ['--linger-ms', '500'],
    Env: [expect.stringMatching(/^PATH=.*\/bin/)],
  });
  expect(img.layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+gzip']);
});

maybe('unpacked and mounted, busybox and the probe run inside it', async () => {
  const dir = path.join(work, 'run');
  build(dir);
  const img = await parseImageReference('demo', { demoDir: dir }).load();
  const { layerDirs } = await unpackImage(img, { cacheDir: path.join(work, 'cache') });
  const mounted = await mountRootfs(layerDirs, path.join(work, 'container'));
  try {
    const sh = spawnSync('chroot', [mounted.rootfs, '/bin/sh', '-c', 'echo hello from $(uname -m); ls /bin/probe'], { encoding: 'utf8' });
    expect(sh.stdout).toBe('hello from x86_64\n/bin/probe\n');
    const probe = spawnSync('chroot', [mounted.rootfs, '/bin/probe', '--below', '0x800000000000'], { encoding: 'utf8' });
    expect(probe.status).toBe(0);
    expect(probe.stdout).toMatch(/probe: \d+ new mappings, all below 0x800000000000\n$/);
  } finally {
    await mounted.unmount();
    await img.close();
  }
});
