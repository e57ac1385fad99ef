/**
 * The podman transport against a real podman with its own temporary
 * storage (--root/--runroot, vfs driver: the host's images are untouched):
 * an archive built here is `podman load`ed, then read back through
 * `podman:NAME`, a bare NAME and VAOCI_PODMAN_ARGS. Skipped, saying why,
 * where podman is missing or cannot use a private storage.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Failure } from '../../cli/src/lib/errors';
import { parseImageReference } from '../../cli/src/lib/image/source';
import { unpackImage } from '../../cli/src/lib/image/unpack';
import { imageConfig, layer, tmpDir, writeDockerArchive } from './image-fixtures';

const work = tmpDir('podman');
const args = ['--root', path.join(work, 'root'), '--runroot', path.join(work, 'runroot'), '--storage-driver', 'vfs'];
const NAME = 'localhost/vaoci-podman-test:1';

const podman = (...a: string[]) => spawnSync('podman', [...args, ...a], { encoding: 'utf8', timeout: 120_000 });
const why =
  spawnSync('sh', ['-c', 'command -v podman']).status !== 0
    ? 'podman is not installed'
    : podman('images').status !== 0
      ? `podman cannot use a private storage here: ${podman('images').stderr.trim().split('\n').pop()}`
      : '';
if (why) console.warn(`image-podman: skipped — ${why}`);
const maybe = why ? test.skip : test;

afterAll(() => fs.rmSync(work, { recursive: true, force: true })); // vfs: no mounts to undo

const podmanTemps = (): string[] => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('vaoci-podman-') && !work.endsWith(n));

maybe('podman:NAME, a bare NAME and VAOCI_PODMAN_ARGS read an image podman loaded; the export is removed on close', async () => {
  const layers = [
    await layer([{ name: 'bin/app', content: 'from podman', mode: 0o755 }], 'gzip'),
    await layer([{ name: 'etc/conf', content: 'c' }], 'tar'),
  ];
  const file = path.join(work, 'in.tar');
  await writeDockerArchive(file, [{ layers, config: imageConfig(layers), repoTags: [NAME] }]);
  const loaded = podman('load', '-i', file);
  expect(loaded.stderr).not.toMatch(/Error/);
  expect(loaded.status).toBe(0);

  const before = podmanTemps();
  const img = await parseImageReference(`podman:${NAME}`, { podmanArgs: args }).load();
  expect(img.reference).toBe(`podman:${NAME}`);
  expect(img.config.config?.Entrypoint).toEqual(['/bin/app']);
  expect(img.config.rootfs.diff_ids).toEqual(layers.map((l) => l.diffId));
  expect(podmanTemps().length).toBe(before.length + 1);
  const { layerDirs } = await unpackImage(img, { cacheDir: path.join(work, 'cache') });
  expect(fs.readFileSync(path.join(layerDirs[0], 'bin/app'), 'utf8')).toBe('from podman');
  await img.close();
  expect(podmanTemps()).toEqual(before);

  const bare = await parseImageReference('vaoci-podman-test:1', { podmanArgs: args }).load();
  await bare.close();
  expect(bare.configDigest).toBe(img.configDigest);

  process.env.VAOCI_PODMAN_ARGS = args.join(' ');
  try {
    const viaEnv = await parseImageReference(`podman:${NAME}`).load();
    await viaEnv.close();
    expect(viaEnv.configDigest).toBe(img.configDigest);
  } finally {
    delete process.env.VAOCI_PODMAN_ARGS;
  }
});

maybe('an image podman does not have is one line, and leaves no export behind', async () => {
  const before = podmanTemps();
  const err = await parseImageReference('podman:vaoci-no-such-image', { podmanArgs: args })
    .load()
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Failure);
  expect((err as Failure).line).toMatch(/^image `podman:vaoci-no-such-image`: podman image save: .*vaoci-no-such-image.*$/);
  expect(podmanTemps()).toEqual(before);
});
