/**
 * The OCI image layout transport: `oci:DIR[:TAG]` (a directory) and
 * `oci-archive:FILE[:TAG]` (the same layout in a tar, as `podman save
 * --format oci-archive` writes). TAG matches a manifest's
 * `org.opencontainers.image.ref.name` annotation (or containerd's full
 * `io.containerd.image.name`); a nested index is followed to the manifest
 * of the wanted platform.
 */
import * as fs from 'node:fs';
import { badInput } from '../errors';
import { checkLayerMediaType } from './compression';
import { checkConfig, parseConfig } from './config';
import { digestHex, sha256Of } from './digest';
import { type Platform, formatPlatform, matches } from './platform';
import type { ImageSource, LayerBlob, LoadedImage } from './source';
import { type BlobStore, DirStore, MAX_JSON, readJson } from './store';
import { TarStore } from './tar-store';

/** INDEX_TYPES: the media types of an image index (OCI's, and docker's manifest list). */
export const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];
const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';
const MAX_NESTING = 4;

/** Descriptor is an OCI content descriptor (the fields vaoci reads). */
export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: Partial<Platform>;
  annotations?: Record<string, string>;
}

/** OciLayoutSource is `oci:DIR[:TAG]`. */
export class OciLayoutSource implements ImageSource {
  constructor(
    readonly reference: string,
    private readonly dir: string,
    private readonly tag: string | undefined,
    private readonly platform: Platform,
  ) {
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      throw badInput(`image \`${reference}\`: \`${dir}\` is not a directory — expected an OCI image layout directory`);
    }
  }

  load(): Promise<LoadedImage> {
    return loadLayout(new DirStore(this.dir), this.reference, this.tag, this.platform, async () => {});
  }
}

/** OciArchiveSource is `oci-archive:FILE[:TAG]`: an OCI layout inside an uncompressed tar. */
export class OciArchiveSource implements ImageSource {
  constructor(
    readonly reference: string,
    private readonly file: string,
    private readonly tag: string | undefined,
    private readonly platform: Platform,
    private readonly cleanup: () => Promise<void> = async () => {},
  ) {}

  async load(): Promise<LoadedImage> {
    try {
      return await loadLayout(await TarStore.index(this.file, this.reference), this.reference, this.tag, this.platform, this.cleanup);
    } catch (e) {
      await this.cleanup();
      throw e;
    }
  }
}

/** loadLayout reads an OCI layout from a store: index → (nested index →) manifest → config and layers, each blob's digest checked. */
export async function loadLayout(
  store: BlobStore,
  reference: string,
  tag: string | undefined,
  platform: Platform,
  close: () => Promise<void>,
): Promise<LoadedImage> {
  const fail = (what: string): Error => badInput(`image \`${reference}\`: ${what}`);
  if (!(await store.has('oci-layout')))
    throw fail(`${store.where} has no oci-layout file — expected an OCI image layout (oci-layout, index.json, blobs/sha256/)`);
  const index = (await readJson(store, 'index.json')) as { manifests?: Descriptor[] };
  if (!Array.isArray(index?.manifests)) throw fail('index.json has no manifests list — expected an OCI image index');
  let desc = pickTagged(index.manifests, tag, platform, fail);
  for (let depth = 0; ; depth++) {
    const doc = (await readBlob(store, desc, 'manifest', fail)) as {
      mediaType?: string;
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
    };
    const type = doc.mediaType ?? desc.mediaType ?? (doc.manifests ? INDEX_TYPES[0] : MANIFEST_TYPES[0]);
    if (INDEX_TYPES.includes(type) && depth < MAX_NESTING) {
      desc = pickPlatform(doc.manifests ?? [], platform, `index ${desc.digest}`, fail);
      continue;
    }
    if (!MANIFEST_TYPES.includes(type) || !doc.config || !Array.isArray(doc.layers)) {
      throw fail(`${desc.digest}: media type \`${type}\` — expected an image manifest (${MANIFEST_TYPES[0]}) with config and layers`);
    }
    const configBytes = (await readBlob(store, doc.config, 'config', fail, true)) as Buffer;
    const config = parseConfig(configBytes, reference);
    const layers = doc.layers.map((l, i) => layerOf(store, l, config.rootfs.diff_ids[i], i, fail));
    checkConfig(config, layers.length, reference);
    return { reference, configDigest: doc.config.digest, config, layers, platform: formatPlatform(config), close };
  }
}

/** layerOf turns a manifest's layer descriptor into a LayerBlob read from the store. */
function layerOf(store: BlobStore, l: Descriptor, diffId: string | undefined, i: number, fail: (w: string) => Error): LayerBlob {
  const hex = hexOf(l, `layer ${i + 1}`, fail);
  if (!Number.isSafeInteger(l.size) || l.size < 0)
    throw fail(`layer ${l.digest}: size ${JSON.stringify(l.size)} — expected a whole number of bytes`);
  const mediaType = l.mediaType ?? '';
  checkLayerMediaType(mediaType, `layer ${l.digest}`);
  return { digest: l.digest, mediaType, size: l.size, diffId, open: () => store.open(`blobs/sha256/${hex}`) };
}

/** readBlob reads a small blob (a manifest, an index, a config), checks its size and digest, and parses it unless `raw`. */
async function readBlob(store: BlobStore, d: Descriptor, what: string, fail: (w: string) => Error, raw = false): Promise<unknown> {
  const hex = hexOf(d, what, fail);
  if (!(await store.has(`blobs/sha256/${hex}`)))
    throw fail(`${what} ${d.digest} is not in blobs/sha256/ — expected every blob the index names`);
  const data = await store.read(`blobs/sha256/${hex}`, MAX_JSON);
  if (sha256Of(data) !== d.digest)
    throw fail(`${what} ${d.digest}: content hashes to ${sha256Of(data)} — expected the digest that names it`);
  if (d.size !== undefined && data.length !== d.size)
    throw fail(`${what} ${d.digest}: ${data.length} bytes — expected ${d.size} (the descriptor's size)`);
  if (raw) return data;
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    throw fail(`${what} ${d.digest} is not JSON — expected an OCI ${what}`);
  }
}

/** hexOf is the hex of a descriptor's sha256 digest; anything else is one line naming the descriptor. */
function hexOf(d: Descriptor | undefined, what: string, fail: (w: string) => Error): string {
  try {
    return digestHex(d?.digest, what);
  } catch {
    throw fail(`${what}: digest ${JSON.stringify(d?.digest)} — expected sha256:<64 lower-case hex digits>`);
  }
}

/** refNames are the names a manifest of index.json answers to. */
function refNames(d: Descriptor): string[] {
  return [d.annotations?.[REF_NAME], d.annotations?.[CONTAINERD_NAME]].filter((n): n is string => Boolean(n));
}

/** pickTagged chooses from index.json: by TAG when given, else the only manifest (or the wanted platform's, when they are untagged platform variants). */
function pickTagged(all: Descriptor[], tag: string | undefined, platform: Platform, fail: (w: string) => Error): Descriptor {
  const tags = [...new Set(all.flatMap((d) => refNames(d).slice(0, 1)))];
  const listed = tags.length ? `tags: ${tags.join(', ')}` : 'none tagged';
  const candidates = tag === undefined ? all : all.filter((d) => refNames(d).includes(tag));
  if (candidates.length === 0) {
    throw fail(
      tag === undefined
        ? 'index.json lists no manifests — expected one image'
        : `no manifest tagged \`${tag}\` — expected one of the index's (${listed})`,
    );
  }
  if (candidates.length === 1) return candidates[0];
  if (candidates.every((d) => d.platform)) return pickPlatform(candidates, platform, 'index.json', fail);
  throw fail(`index.json holds ${candidates.length} manifests (${listed}) — expected :TAG to choose one`);
}

/** pickPlatform chooses the wanted platform's manifest from an index (its only manifest when it names no platforms). */
export function pickPlatform(all: Descriptor[], want: Platform, where: string, fail: (w: string) => Error): Descriptor {
  if (all.length === 1 && !all[0].platform) return all[0];
  const found = all.find((d) => matches(d.platform, want));
  if (found) return found;
  const have = all.map((d) => formatPlatform(d.platform)).join(', ') || 'no manifests';
  throw fail(`${where} has no ${formatPlatform(want)} image — expected one of its platforms (${have}), chosen with --platform`);
}
