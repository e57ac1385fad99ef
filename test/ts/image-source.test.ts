/**
 * Image sources: OCI layout directories, oci-archives and docker-archives
 * built on the fly load with the right config and layers; tags, RepoTags
 * and platforms choose; every problem is one line naming the value and
 * what was expected.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Failure } from '../../cli/src/lib/errors';
import { type LoadedImage, parseImageReference } from '../../cli/src/lib/image/source';
import {
  type Image,
  imageConfig,
  layer,
  nestedIndex,
  sha256,
  tmpDir,
  writeDockerArchive,
  writeIndex,
  writeOciLayout,
} from './image-fixtures';

const work = tmpDir('source');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function load(ref: string, opts = {}): Promise<LoadedImage> {
  const img = await parseImageReference(ref, opts).load();
  await img.close();
  return img;
}

/** failLine runs `f` and returns its Failure's line, checking it is one line. */
async function failLine(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(Failure);
    const line = (e as Failure).line;
    expect(line).not.toContain('\n');
    return line;
  }
  throw new Error('expected a failure');
}

async function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

async function twoLayerImage(over: Record<string, unknown> = {}): Promise<Image> {
  const layers = [
    await layer([{ name: 'bin/app', content: 'app', mode: 0o755 }], 'gzip'),
    await layer([{ name: 'etc/conf', content: 'x' }], 'tar'),
  ];
  return { layers, config: imageConfig(layers, over) };
}

describe('oci: layout directories', () => {
  test('loads the config and the layers, lowest first, with digests, media types, sizes and diff_ids', async () => {
    const img = await twoLayerImage();
    const dir = path.join(work, 'plain');
    writeOciLayout(dir, [img]);
    const loaded = await load(`oci:${dir}`);
    expect(loaded.reference).toBe(`oci:${dir}`);
    expect(loaded.configDigest).toBe(sha256(img.config as Buffer));
    expect(loaded.platform).toBe('linux/amd64');
    expect(loaded.config.config?.Entrypoint).toEqual(['/bin/app']);
    expect(loaded.layers.map((l) => [l.digest, l.mediaType, l.size, l.diffId])).toEqual(
      img.layers.map((l) => [l.digest, l.mediaType, l.blob.length, l.diffId]),
    );
    expect(await readAll(await loaded.layers[0].open())).toEqual(img.layers[0].blob);
  });

  test('TAG picks the manifest by its ref.name; without TAG two manifests are one line listing the tags', async () => {
    const a = await twoLayerImage({ architecture: 'amd64' });
    const b = await twoLayerImage({ config: { Cmd: ['v2'] } });
    const dir = path.join(work, 'tagged');
    writeOciLayout(dir, [
      { ...a, tag: 'v1' },
      { ...b, tag: 'v2' },
    ]);
    expect((await load(`oci:${dir}:v2`)).config.config?.Cmd).toEqual(['v2']);
    expect(await failLine(() => load(`oci:${dir}`))).toBe(
      `image \`oci:${dir}\`: index.json holds 2 manifests (tags: v1, v2) — expected :TAG to choose one`,
    );
    expect(await failLine(() => load(`oci:${dir}:v3`))).toBe(
      `image \`oci:${dir}:v3\`: no manifest tagged \`v3\` — expected one of the index's (tags: v1, v2)`,
    );
  });

  test('a nested index is followed to linux/amd64 by default, or to the platform asked for', async () => {
    const amd = await twoLayerImage({ architecture: 'amd64' });
    const arm = await twoLayerImage({ architecture: 'arm64', variant: 'v8' });
    const dir = path.join(work, 'multi');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const index = nestedIndex(dir, [
      { ...arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { ...amd, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
    writeIndex(dir, [{ ...index, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }]);
    expect((await load(`oci:${dir}`)).platform).toBe('linux/amd64');
    expect((await load(`oci:${dir}:latest`, { platform: 'linux/arm64' })).platform).toBe('linux/arm64/v8');
    expect((await load(`oci:${dir}`, { platform: 'aarch64' })).config.architecture).toBe('arm64');
    expect(await failLine(() => load(`oci:${dir}`, { platform: 'linux/s390x' }))).toBe(
      `image \`oci:${dir}\`: index ${index.digest} has no linux/s390x image — expected one of its platforms (linux/arm64/v8, linux/amd64), chosen with --platform`,
    );
  });

  test('a tampered config blob, a missing blob and a missing oci-layout are each one line', async () => {
    const img = await twoLayerImage();
    const dir = path.join(work, 'tampered');
    writeOciLayout(dir, [img]);
    const configFile = path.join(dir, 'blobs', 'sha256', sha256(img.config as Buffer).slice(7));
    fs.writeFileSync(configFile, Buffer.concat([img.config as Buffer, Buffer.from(' ')]));
    expect(await failLine(() => load(`oci:${dir}`))).toMatch(
      new RegExp(
        `^image \`oci:${dir}\`: config sha256:[0-9a-f]{64}: content hashes to sha256:[0-9a-f]{64} — expected the digest that names it$`,
      ),
    );
    fs.rmSync(configFile);
    expect(await failLine(() => load(`oci:${dir}`))).toMatch(
      /: config sha256:[0-9a-f]{64} is not in blobs\/sha256\/ — expected every blob the index names$/,
    );
    fs.rmSync(path.join(dir, 'oci-layout'));
    expect(await failLine(() => load(`oci:${dir}`))).toBe(
      `image \`oci:${dir}\`: ${dir} has no oci-layout file — expected an OCI image layout (oci-layout, index.json, blobs/sha256/)`,
    );
  });

  test('a config whose diff_ids do not pair with the layers is one line', async () => {
    const img = await twoLayerImage();
    const dir = path.join(work, 'pairs');
    writeOciLayout(dir, [{ ...img, config: imageConfig(img.layers.slice(0, 1)) }]);
    expect(await failLine(() => load(`oci:${dir}`))).toBe(
      `image \`oci:${dir}\`: config /rootfs/diff_ids lists 1 layers — expected 2, one per layer of the manifest`,
    );
  });

  test('an encrypted layer media type is refused when loading', async () => {
    const l = await layer([{ name: 'a', content: 'a' }]);
    const dir = path.join(work, 'encrypted');
    writeOciLayout(dir, [{ layers: [{ ...l, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip+encrypted' }] }]);
    expect(await failLine(() => load(`oci:${dir}`))).toBe(
      `layer ${l.digest}: media type \`application/vnd.oci.image.layer.v1.tar+gzip+encrypted\` — expected an uncompressed, gzip or zstd layer tar (application/vnd.oci.image.layer.v1.tar[+gzip|+zstd])`,
    );
  });
});

describe('oci-archive: the layout in a tar', () => {
  test('loads like the directory', async () => {
    const img = await twoLayerImage();
    const dir = path.join(work, 'for-archive');
    writeOciLayout(dir, [{ ...img, tag: 'latest' }]);
    const file = path.join(work, 'image.oci.tar');
    expect(spawnSync('tar', ['-cf', file, '-C', dir, '.']).status).toBe(0);
    const loaded = await load(`oci-archive:${file}:latest`);
    expect(loaded.configDigest).toBe(sha256(img.config as Buffer));
    expect(await readAll(await loaded.layers[1].open())).toEqual(img.layers[1].blob);
  });
});

describe('docker-archive: docker save tars', () => {
  test('loads gzip and plain layers; a plain layer is named by its diff_id, a gzip one by its hash', async () => {
    const img = await twoLayerImage();
    const file = path.join(work, 'one.tar');
    await writeDockerArchive(file, [{ ...img, repoTags: ['app:1'] }]);
    const loaded = await load(`docker-archive:${file}`);
    expect(loaded.configDigest).toBe(sha256(img.config as Buffer));
    expect(loaded.layers.map((l) => [l.digest, l.mediaType, l.size, l.diffId])).toEqual([
      [img.layers[0].digest, 'application/vnd.oci.image.layer.v1.tar+gzip', img.layers[0].blob.length, img.layers[0].diffId],
      [img.layers[1].diffId, 'application/vnd.oci.image.layer.v1.tar', img.layers[1].blob.length, img.layers[1].diffId],
    ]);
    expect(await readAll(await loaded.layers[0].open())).toEqual(img.layers[0].blob);
  });

  test('NAME[:TAG] picks among RepoTags (docker.io/library/ and :latest implied); without it, two images are one line', async () => {
    const a = await twoLayerImage({ config: { Cmd: ['a'] } });
    const b = await twoLayerImage({ config: { Cmd: ['b'] } });
    const file = path.join(work, 'two.tar');
    await writeDockerArchive(file, [
      { ...a, repoTags: ['app:1'] },
      { ...b, repoTags: ['docker.io/library/other:latest'] },
    ]);
    expect((await load(`docker-archive:${file}:app:1`)).config.config?.Cmd).toEqual(['a']);
    expect((await load(`docker-archive:${file}:other`)).config.config?.Cmd).toEqual(['b']);
    expect(await failLine(() => load(`docker-archive:${file}`))).toBe(
      `image \`docker-archive:${file}\`: manifest.json holds 2 images (tags: app:1, docker.io/library/other:latest) — expected :NAME[:TAG] to choose one`,
    );
    expect(await failLine(() => load(`docker-archive:${file}:app:2`))).toBe(
      `image \`docker-archive:${file}:app:2\`: no image is tagged \`app:2\` — expected one of the archive's (tags: app:1, docker.io/library/other:latest)`,
    );
  });

  test('a compressed archive is one line saying an uncompressed tar was expected', async () => {
    const file = path.join(work, 'compressed.tar.gz');
    fs.writeFileSync(file, zlib.gzipSync(Buffer.alloc(4096)));
    expect(await failLine(() => load(`docker-archive:${file}`))).toBe(
      `image \`docker-archive:${file}\`: no tar header at byte 0 of \`${file}\` — expected an uncompressed tar (as \`docker save\` / \`podman save\` write; gunzip a compressed one first)`,
    );
  });
});

describe('references', () => {
  test.each([
    ['oci:', 'image `oci:`: no DIR — expected oci:DIR[:…]'],
    ['docker-archive:', 'image `docker-archive:`: no FILE — expected docker-archive:FILE[:…]'],
    [
      'oci:/nonexistent/dir',
      'image `oci:/nonexistent/dir`: `/nonexistent/dir` is not a directory — expected an OCI image layout directory',
    ],
    ['podman:', 'image `podman:`: expected podman:NAME'],
    [
      'no such image',
      "image `no such image`: expected demo, oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:NAME[:TAG]], podman:NAME, docker://REF, or a REF (podman's local storage, else a registry)",
    ],
  ])('%s is one line', async (ref, line) => {
    expect(await failLine(() => parseImageReference(ref))).toBe(line);
  });

  test('a bad platform and a missing demo image are one line each', async () => {
    expect(await failLine(() => parseImageReference('demo', { platform: 'linux//amd64' }))).toBe(
      'platform `linux//amd64`: expected OS/ARCH[/VARIANT] such as linux/amd64, or ARCH alone',
    );
    expect(await failLine(() => parseImageReference('demo', { demoDir: path.join(work, 'none') }))).toBe(
      `image \`demo\`: \`${path.join(work, 'none')}\` holds no OCI layout — expected the demo image built by \`make demo-image\``,
    );
  });
});
