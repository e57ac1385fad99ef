/**
 * vaoci's own image (`make image`, cli/image/build.mjs): built twice from the
 * same inputs — the second time compressing every layer again — it has the
 * same digests; the layout is a tagged index of linux/amd64 and linux/arm64
 * whose every blob matches its digest and size; the amd64 image, unpacked
 * and mounted by vaoci's own unpacker, runs `vaoci --version`, `vaoci probe`
 * and `vaoci node install` (into a host root inside it) with chroot; the
 * arm64 image carries an aarch64 node and loader; the docker-archives load
 * into podman and skopeo reads and copies what they wrote.
 * Downloads node and Debian's glibc once into build/image/cache.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { mountRootfs } from '../../cli/src/lib/image/rootfs';
import { parseImageReference } from '../../cli/src/lib/image/source';
import { unpackImage } from '../../cli/src/lib/image/unpack';
import { tmpDir } from './image-fixtures';

const REPO = path.resolve(__dirname, '../..');
// What `vaoci node install` copies, and the image's data plane (the same plus the unpacker's whiteout writer for `vaoci run`).
const INSTALLED = ['vaoci-runtime', 'vaoci-hook', 'vaoci-reserve', 'vaoci-launch', 'libvaoci-preload.so'];
const DATA_PLANE = [...INSTALLED, 'vaoci-nri', 'vaoci-overlay-marks'];
const ARCHES = { amd64: 'x86_64', arm64: 'aarch64' } as const;
const chart = YAML.parse(fs.readFileSync(path.join(REPO, 'charts/vaoci/Chart.yaml'), 'utf8')) as { appVersion: string };
const values = YAML.parse(fs.readFileSync(path.join(REPO, 'charts/vaoci/values.yaml'), 'utf8')) as {
  image: { repository: string; tag: string };
};
const TAG = String(chart.appVersion);
const NODE = JSON.parse(fs.readFileSync(path.join(REPO, 'cli/image/node.json'), 'utf8')) as { version: string };

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = [
  ...Object.values(ARCHES).flatMap((a) => DATA_PLANE.map((f) => `build/${a}/${f}`)),
  'build/ts/cli/src/commands',
  'oclif.manifest.json',
].filter((f) => !fs.existsSync(path.join(REPO, f)));
if (process.getuid?.() !== 0) missing.push('root (unpacking, overlayfs, chroot)');
if (!has('readelf') || !has('apt-get') || !has('dpkg-deb')) missing.push('readelf, apt-get and dpkg-deb');
if (missing.length) console.warn(`image: skipped — needs ${missing.join(', ')} (make build, as root)`);
const maybe = missing.length ? test.skip : test;
const withSkopeo = !missing.length && has('skopeo') ? test : test.skip;
const withPodman = !missing.length && has('podman') ? test : test.skip;

jest.setTimeout(600_000);
const work = tmpDir('image');
const [A, B] = [path.join(work, 'a'), path.join(work, 'b')];
const CACHE = path.join(REPO, 'build', 'image', 'cache');
const built: Record<string, { stdout: string; seconds: number }> = {};

function build(out: string, ...flags: string[]) {
  const t0 = Date.now();
  const r = spawnSync('node', ['cli/image/build.mjs', out, '--cache', CACHE, ...flags], { cwd: REPO, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^image: \\S+:${TAG.replace(/\./g, '\\.')} sha256:[0-9a-f]{64} .* in \\d+\\.\\d s\\n$`));
  built[out] = { stdout: r.stdout, seconds: (Date.now() - t0) / 1000 };
}

const blobPath = (layout: string, digest: string) => path.join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

beforeAll(() => {
  if (missing.length) return;
  build(A);
  build(B, '--fresh'); // every layer compressed again, not taken from the cache
}, 600_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

maybe('two builds, the second compressing afresh, give the same index digest and the same bytes', () => {
  const digest = (out: string) => /sha256:[0-9a-f]{64}/.exec(built[out].stdout)?.[0];
  expect(digest(B)).toBe(digest(A));
  expect(fs.readFileSync(path.join(B, 'oci', 'index.json'), 'utf8')).toBe(fs.readFileSync(path.join(A, 'oci', 'index.json'), 'utf8'));
  expect(fs.readdirSync(path.join(B, 'oci', 'blobs', 'sha256')).sort()).toEqual(
    fs.readdirSync(path.join(A, 'oci', 'blobs', 'sha256')).sort(),
  );
  for (const arch of Object.keys(ARCHES)) {
    const sum = (out: string) =>
      createHash('sha256')
        .update(fs.readFileSync(path.join(out, `vaoci-${arch}.tar`)))
        .digest('hex');
    expect(sum(B)).toBe(sum(A));
  }
  console.log(
    `image: built in ${built[A].seconds.toFixed(1)} s (cached layers), ${built[B].seconds.toFixed(1)} s (compressed again): ${built[A].stdout.trim()}`,
  );
});

maybe(
  "the layout: index.json tags one index with the chart's reference; it lists linux/amd64 and linux/arm64; every blob matches its digest and size",
  () => {
    const layout = path.join(A, 'oci');
    expect(readJson(path.join(layout, 'oci-layout'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(values.image.tag).toBe(''); // the chart's default tag is its appVersion
    const top = readJson(path.join(layout, 'index.json'));
    expect(top.manifests).toHaveLength(1);
    expect(top.manifests[0]).toMatchObject({
      mediaType: 'application/vnd.oci.image.index.v1+json',
      annotations: { 'org.opencontainers.image.ref.name': TAG, 'io.containerd.image.name': `${values.image.repository}:${TAG}` },
    });
    const referenced = new Map<string, number>();
    const descriptor = (d: { digest: string; size: number }) => {
      referenced.set(d.digest, d.size);
      return readJson(blobPath(layout, d.digest));
    };
    const index = descriptor(top.manifests[0]);
    expect(index.manifests.map((m: { platform: unknown }) => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux' },
    ]);
    for (const m of index.manifests) {
      expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
      const manifest = descriptor(m);
      const config = descriptor(manifest.config);
      expect([config.architecture, config.os]).toEqual([m.platform.architecture, 'linux']);
      expect(config.config.Env).toEqual([expect.stringMatching(/^PATH=.*\/usr\/local\/bin/)]);
      expect(config.rootfs.diff_ids).toHaveLength(manifest.layers.length);
      for (const l of manifest.layers) {
        expect(l.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
        referenced.set(l.digest, l.size);
      }
    }
    const blobs = fs.readdirSync(path.join(layout, 'blobs', 'sha256'));
    expect(blobs.map((h) => `sha256:${h}`).sort()).toEqual([...referenced.keys()].sort());
    for (const [digest, size] of referenced) {
      const bytes = fs.readFileSync(blobPath(layout, digest));
      expect(bytes.length).toBe(size);
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(digest);
    }
  },
);

/** unpacked loads ARCH's image through vaoci's oci: source and mounts its layers, for `fn`. */
async function unpacked(arch: string, fn: (rootfs: string) => void | Promise<void>): Promise<void> {
  const img = await parseImageReference(`oci:${path.join(A, 'oci')}:${TAG}`, { platform: `linux/${arch}` }).load();
  try {
    expect(img.platform).toBe(`linux/${arch}`);
    const { layerDirs } = await unpackImage(img, { cacheDir: path.join(work, 'unpack') });
    const mounted = await mountRootfs(layerDirs, path.join(work, `container-${arch}`));
    try {
      await fn(mounted.rootfs);
    } finally {
      await mounted.unmount();
    }
  } finally {
    await img.close();
  }
}

/** inImage runs ARGS in ROOTFS as a container would see it: its own /proc, the host's /dev, an empty environment but PATH. */
function inImage(rootfs: string, args: string[]) {
  const script =
    'mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" && shift && exec env -i PATH=/usr/local/bin:/usr/bin:/bin "$(command -v chroot)" "$@"';
  return spawnSync('unshare', ['--mount', '--pid', '--fork', 'sh', '-c', script, 'sh', rootfs, rootfs, ...args], { encoding: 'utf8' });
}

maybe('amd64: vaoci --version, probe and node install run inside the image, from /usr/share/vaoci/x86_64', async () => {
  await unpacked('amd64', (rootfs) => {
    const version = inImage(rootfs, ['vaoci', '--version']);
    expect(version.stderr).toBe('');
    expect(version.stdout).toBe(`vaoci/${TAG} linux-x64 node-v${NODE.version}\n`);
    const help = inImage(rootfs, ['vaoci', 'node', '--help']); // through oclif, with the production node_modules
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/node install/);
    const probe = inImage(rootfs, ['vaoci', 'probe', '--json']);
    expect(probe.stderr).toBe('');
    expect(JSON.parse(probe.stdout)).toMatchObject({ tool: 'vaoci-reserve', command: 'probe', arch: 'x86_64' });
    // The installer as the DaemonSet runs it, into a host root inside the container.
    fs.mkdirSync(path.join(rootfs, 'host/usr/bin'), { recursive: true });
    fs.writeFileSync(path.join(rootfs, 'host/usr/bin/runc'), '');
    const install = inImage(rootfs, [
      'vaoci',
      'node',
      'install',
      '--host-root',
      '/host',
      '--engine',
      'cri-o',
      '--binfmt',
      'never',
      '--json',
    ]);
    expect(install.stderr).toBe('');
    expect(install.status).toBe(0);
    for (const f of INSTALLED) {
      const at = path.join(rootfs, 'host/opt/vaoci', f.endsWith('.so') ? 'lib' : 'bin', f);
      expect(fs.readFileSync(at).equals(fs.readFileSync(path.join(REPO, 'build/x86_64', f)))).toBe(true);
    }
  });
});

maybe('arm64: an aarch64 node and loader, and both architectures of the data plane', async () => {
  await unpacked('arm64', (rootfs) => {
    const node = fs.readFileSync(path.join(rootfs, 'usr/local/bin/node'));
    expect([node.readUInt32BE(0), node[4], node.readUInt16LE(18)]).toEqual([0x7f454c46, 2, 183]); // ELF, 64-bit, EM_AARCH64
    expect(fs.existsSync(path.join(rootfs, 'lib/ld-linux-aarch64.so.1'))).toBe(true);
    expect(fs.existsSync(path.join(rootfs, 'lib/aarch64-linux-gnu/libc.so.6'))).toBe(true);
    for (const [, dir] of Object.entries(ARCHES)) {
      expect(fs.readdirSync(path.join(rootfs, 'usr/share/vaoci', dir)).sort()).toEqual([...DATA_PLANE].sort());
    }
    expect(fs.readlinkSync(path.join(rootfs, 'usr/local/bin/vaoci'))).toBe('../lib/vaoci/bin/vaoci');
    // the chart's NRI container runs vaoci-nri by name: this architecture's static plugin
    expect(fs.readlinkSync(path.join(rootfs, 'usr/local/bin/vaoci-nri'))).toBe('../../share/vaoci/aarch64/vaoci-nri');
    const nri = fs.readFileSync(path.join(rootfs, 'usr/share/vaoci/aarch64/vaoci-nri'));
    expect(nri.readUInt16LE(18)).toBe(183);
  });
});

withSkopeo('skopeo reads both docker-archives and copies the whole index, digest unchanged', () => {
  for (const arch of Object.keys(ARCHES)) {
    const r = spawnSync('skopeo', ['inspect', `docker-archive:${path.join(A, `vaoci-${arch}.tar`)}`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ Architecture: arch, Os: 'linux' });
  }
  const copy = path.join(work, 'copy');
  const r = spawnSync('skopeo', ['copy', '-q', '--all', `oci:${path.join(A, 'oci')}:${TAG}`, `oci:${copy}:${TAG}`], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(readJson(path.join(copy, 'index.json')).manifests[0].digest).toBe(readJson(path.join(A, 'oci', 'index.json')).manifests[0].digest);
});

withPodman("podman loads the arm64 docker-archive under the chart's reference", () => {
  const store = path.join(work, 'podman');
  const podman = (...args: string[]) =>
    spawnSync('podman', ['--root', `${store}/root`, '--runroot', `${store}/run`, '--storage-driver', 'vfs', ...args], { encoding: 'utf8' });
  const load = podman('load', '-q', '-i', path.join(A, 'vaoci-arm64.tar'));
  expect(load.status).toBe(0);
  expect(load.stdout).toContain(`${values.image.repository}:${TAG}`);
  const inspect = podman('image', 'inspect', '--format', '{{.Architecture}}/{{.Os}}', `${values.image.repository}:${TAG}`);
  expect(inspect.stdout.trim()).toBe('arm64/linux');
});
