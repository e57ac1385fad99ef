/**
 * The docker-archive transport: `docker-archive:FILE[:NAME[:TAG]]`, the tar
 * `docker save` and `podman save` write (manifest.json with Config,
 * RepoTags, Layers). Layers inside are plain tars or gzip. Their blob
 * digest, the cache key, is the file name under blobs/sha256/ (docker 25+),
 * LayerSources' digest, or — for an uncompressed layer — its diff_id; only
 * a compressed layer with none of these is hashed while loading.
 */
import * as crypto from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { badInput } from '../errors';
import { mediaTypeFor, sniff } from './compression';
import { checkConfig, parseConfig } from './config';
import { sha256Of } from './digest';
import { formatPlatform } from './platform';
import type { ImageConfig, ImageSource, LayerBlob, LoadedImage } from './source';
import { type BlobStore, readJson } from './store';
import { TarStore } from './tar-store';

/** ArchiveManifest is one image of manifest.json. */
interface ArchiveManifest {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
  LayerSources?: Record<string, { mediaType?: string; size?: number; digest?: string }>;
}

/** DockerArchiveSource is `docker-archive:FILE[:NAME[:TAG]]`. */
export class DockerArchiveSource implements ImageSource {
  constructor(
    readonly reference: string,
    private readonly file: string,
    private readonly name: string | undefined,
    private readonly cleanup: () => Promise<void> = async () => {},
  ) {}

  async load(): Promise<LoadedImage> {
    try {
      return await loadArchive(await TarStore.index(this.file, this.reference), this.reference, this.name, this.cleanup);
    } catch (e) {
      await this.cleanup();
      throw e;
    }
  }
}

async function loadArchive(
  store: BlobStore,
  reference: string,
  name: string | undefined,
  close: () => Promise<void>,
): Promise<LoadedImage> {
  const fail = (what: string): Error => badInput(`image \`${reference}\`: ${what}`);
  if (!(await store.has('manifest.json'))) throw fail(`${store.where} has no manifest.json — expected a \`docker save\` archive`);
  const all = (await readJson(store, 'manifest.json')) as ArchiveManifest[];
  if (!Array.isArray(all) || !all.every((m) => typeof m?.Config === 'string' && Array.isArray(m.Layers))) {
    throw fail('manifest.json: expected a list of {Config, RepoTags, Layers}');
  }
  const m = pick(all, name, fail);
  const configBytes = await store.read(m.Config);
  const configDigest = sha256Of(configBytes);
  const named = /([0-9a-f]{64})(\.json)?$/.exec(m.Config);
  if (named && `sha256:${named[1]}` !== configDigest)
    throw fail(`config \`${m.Config}\` hashes to ${configDigest} — expected the digest in its name`);
  const config = parseConfig(configBytes, reference);
  checkConfig(config, m.Layers.length, reference);
  const layers = await Promise.all(m.Layers.map((member, i) => layerOf(store, m, member, config, i)));
  return { reference, configDigest, config, layers, platform: formatPlatform(config), close };
}

/** layerOf describes one layer member: its digest, media type and size. */
async function layerOf(store: BlobStore, m: ArchiveManifest, member: string, config: ImageConfig, i: number): Promise<LayerBlob> {
  const diffId = config.rootfs.diff_ids[i];
  const size = await store.size(member);
  const compression = sniff(await store.head(member, 4));
  const source = m.LayerSources?.[diffId];
  const blob = /(?:^|\/)blobs\/sha256\/([0-9a-f]{64})$/.exec(member);
  let digest = blob ? `sha256:${blob[1]}` : source?.digest;
  if (!digest) digest = compression === 'tar' ? diffId : await hashMember(store, member);
  const mediaType = source?.mediaType ?? mediaTypeFor(compression);
  return { digest, mediaType, size, diffId, open: () => store.open(member) };
}

/** hashMember is the sha256 of a member, for compressed layers the archive names no digest for. */
async function hashMember(store: BlobStore, member: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(await store.open(member), hash);
  return `sha256:${hash.digest('hex')}`;
}

/** pick chooses the image by NAME[:TAG] among RepoTags, or the only one. */
function pick(all: ArchiveManifest[], name: string | undefined, fail: (w: string) => Error): ArchiveManifest {
  const tags = all.flatMap((m) => m.RepoTags ?? []);
  const listed = tags.length ? `tags: ${tags.join(', ')}` : 'none tagged';
  if (name === undefined) {
    if (all.length === 1) return all[0];
    throw fail(`manifest.json holds ${all.length} images (${listed}) — expected :NAME[:TAG] to choose one`);
  }
  const want = canonical(name);
  const found = all.filter((m) => (m.RepoTags ?? []).some((t) => canonical(t) === want));
  if (found.length === 1) return found[0];
  throw fail(`${found.length ? 'several images are' : 'no image is'} tagged \`${name}\` — expected one of the archive's (${listed})`);
}

/** canonical is a repo tag without docker's and podman's default registry prefixes, with :latest when it has no tag. */
function canonical(tag: string): string {
  const short = tag.replace(/^(docker\.io\/library\/|docker\.io\/|localhost\/)/, '');
  return /:[^/]+$/.test(short) ? short : `${short}:latest`;
}
