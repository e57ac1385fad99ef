/**
 * Test images built on the fly: layer tars from entry lists (tar-stream),
 * gzip / zstd / plain, and the two containers vaoci reads — an OCI image
 * layout directory and a `docker save` archive. Real files, no mocks.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as tar from 'tar-stream';
import { type LoadedImage, parseImageReference } from '../../cli/src/lib/image/source';

/** Entry is one tar entry of a test layer. */
export interface Entry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  pax?: Record<string, string>;
}

/** Layer is a layer blob with its digests. */
export interface Layer {
  blob: Buffer;
  digest: string;
  diffId: string;
  mediaType: string;
}

/** Compression is how a test layer's blob is stored. */
export type Compression = 'gzip' | 'zstd' | 'tar';

/** MTIME is every entry's mtime unless an entry says otherwise. */
export const MTIME = new Date('2024-01-02T03:04:05Z');

/** sha256 is the `sha256:<hex>` digest of some bytes. */
export function sha256(data: Buffer | string): string {
  return `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
}

/** hex is a digest without its `sha256:`. */
export function hex(digest: string): string {
  return digest.slice('sha256:'.length);
}

/** tarOf packs entries in order (defaults: a file, 0644 or 0755, root's, MTIME). */
export async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const content = Buffer.from(e.content ?? '');
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      pack.entry(
        {
          name: e.name,
          type,
          linkname: e.linkname,
          mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
          uid: e.uid ?? 0,
          gid: e.gid ?? 0,
          mtime: e.mtime ?? MTIME,
          size: type === 'file' ? content.length : 0,
          ...(e.pax ? { pax: e.pax } : {}),
        },
        type === 'file' ? content : '',
        cb,
      );
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** compress returns the blob for a compression (zstd through the zstd program). */
export function compress(data: Buffer, c: Compression): Buffer {
  if (c === 'gzip') return zlib.gzipSync(data);
  if (c === 'zstd') {
    const r = spawnSync('zstd', ['-q', '-c'], { input: data, maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`zstd: ${r.stderr}`);
    return r.stdout;
  }
  return data;
}

/** layer builds a layer blob from entries. */
export async function layer(entries: Entry[], c: Compression = 'gzip'): Promise<Layer> {
  return layerFromTar(await tarOf(entries), c);
}

/** layerFromTar wraps an existing tar as a layer blob. */
export function layerFromTar(tarBytes: Buffer, c: Compression = 'gzip'): Layer {
  const blob = compress(tarBytes, c);
  const mediaType = `application/vnd.oci.image.layer.v1.tar${c === 'tar' ? '' : `+${c}`}`;
  return { blob, digest: sha256(blob), diffId: sha256(tarBytes), mediaType };
}

/** imageConfig is an image config over these layers. */
export function imageConfig(layers: Layer[], over: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Entrypoint: ['/bin/app'], Cmd: ['--flag'], Env: ['PATH=/bin'], WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      ...over,
    }),
  );
}

/** Image is what a layout or archive holds for one image. */
export interface Image {
  layers: Layer[];
  config?: Buffer;
  tag?: string;
  platform?: { os: string; architecture: string; variant?: string };
  repoTags?: string[];
}

/** putBlob writes a blob into an OCI layout and returns its descriptor. */
function putBlob(dir: string, data: Buffer, mediaType: string): { mediaType: string; digest: string; size: number } {
  const digest = sha256(data);
  fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'blobs', 'sha256', hex(digest)), data);
  return { mediaType, digest, size: data.length };
}

/** manifestOf writes an image's config, layers and manifest into a layout and returns the manifest's descriptor. */
export function manifestOf(dir: string, img: Image): { mediaType: string; digest: string; size: number } {
  const config = putBlob(dir, img.config ?? imageConfig(img.layers), 'application/vnd.oci.image.config.v1+json');
  const layers = img.layers.map((l) => putBlob(dir, l.blob, l.mediaType));
  const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers };
  return putBlob(dir, Buffer.from(JSON.stringify(manifest)), manifest.mediaType);
}

/** writeOciLayout writes an OCI layout whose index.json lists `images` (tagged and with platforms when given). */
export function writeOciLayout(dir: string, images: Image[]): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const manifests = images.map((img) => ({
    ...manifestOf(dir, img),
    ...(img.platform ? { platform: img.platform } : {}),
    ...(img.tag ? { annotations: { 'org.opencontainers.image.ref.name': img.tag } } : {}),
  }));
  writeIndex(dir, manifests);
}

/** writeIndex writes index.json. */
export function writeIndex(dir: string, manifests: unknown[]): void {
  fs.writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
  );
}

/** nestedIndex writes a platform index blob over `images` and returns its descriptor. */
export function nestedIndex(dir: string, images: Image[]): { mediaType: string; digest: string; size: number } {
  const manifests = images.map((img) => ({ ...manifestOf(dir, img), platform: img.platform }));
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
  return putBlob(dir, Buffer.from(JSON.stringify(index)), index.mediaType);
}

/** writeDockerArchive writes a `docker save` tar: <config hex>.json, <n>/layer.tar, manifest.json (last, as docker does). */
export async function writeDockerArchive(file: string, images: Image[]): Promise<void> {
  const entries: Entry[] = [];
  const manifest = images.map((img, i) => {
    const config = img.config ?? imageConfig(img.layers);
    const configName = `${hex(sha256(config))}.json`;
    entries.push({ name: configName, content: config });
    const layers = img.layers.map((l, j) => {
      const name = `${i}-${j}/layer.tar`;
      entries.push({ name: `${i}-${j}`, type: 'directory' }, { name, content: l.blob });
      return name;
    });
    return { Config: configName, RepoTags: img.repoTags ?? null, Layers: layers };
  });
  entries.push({ name: 'manifest.json', content: JSON.stringify(manifest) });
  fs.writeFileSync(file, await tarOf(entries));
}

/** zstdInstalled tells whether the zstd program is here. */
export function zstdInstalled(): boolean {
  return spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** tmpDir makes a fresh directory under the OS's temp dir. */
export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), `vaoci-${prefix}-`));
}

/** loadLayers writes an OCI layout with these layers at `dir` and loads it through the real oci: source. */
export function loadLayers(dir: string, layers: Layer[], config?: Buffer): Promise<LoadedImage> {
  writeOciLayout(dir, [{ layers, config }]);
  return parseImageReference(`oci:${dir}`).load();
}

/** xattr reads an extended attribute without following symlinks (python3: Node has no xattr calls), null when absent. */
export function xattr(file: string, name: string): string | null {
  const script =
    'import os,sys\ntry: print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())\nexcept OSError: print("<none>")';
  const out = spawnSync('python3', ['-c', script, file, name], { encoding: 'utf8' }).stdout.trim();
  return out === '<none>' ? null : out;
}

/** removeTree takes down any mount left under `dir` (a failed test's), deepest first, then removes it. */
export function removeTree(dir: string): void {
  const mounts = fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m) => m?.startsWith(`${dir}/`));
  for (const m of mounts.reverse()) spawnSync('umount', [m]);
  fs.rmSync(dir, { recursive: true, force: true });
}
