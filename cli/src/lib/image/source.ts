/**
 * Where `vaoci run IMAGE` gets its image: one interface, ImageSource, with
 * one file per transport (oci-layout.ts for `oci:` and `oci-archive:`,
 * docker-archive.ts, podman.ts, registry.ts, demo.ts). parseImageReference
 * reads the IMAGE argument and picks one.
 */
import { badInput } from '../errors';
import { demoSource } from './demo';
import { DockerArchiveSource } from './docker-archive';
import { OciArchiveSource, OciLayoutSource } from './oci-layout';
import { DEFAULT_PLATFORM, type Platform, parsePlatform } from './platform';
import { PodmanSource, podmanArgs, podmanHas } from './podman';
import { REF_CHARS, type RegistryOptions, RegistrySource } from './registry';

/** LayerBlob is one layer as stored (compressed or not); open() streams exactly those bytes. */
export interface LayerBlob {
  digest: string;
  mediaType: string;
  size: number;
  /** diffId is the sha256 of the uncompressed tar, from the image config; unpacking checks it. */
  diffId?: string;
  open(): Promise<NodeJS.ReadableStream>;
}

/** ImageConfig is the OCI image config (docker's has the same shape). */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  config?: {
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Env?: string[] | null;
    WorkingDir?: string;
    User?: string;
    Labels?: Record<string, string> | null;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
}

/** LoadedImage is an image whose manifest and config have been read and checked; close() frees what load() took (a temporary export). */
export interface LoadedImage {
  /** reference is the IMAGE argument as given. */
  reference: string;
  configDigest: string;
  config: ImageConfig;
  /** layers, lowest first. */
  layers: LayerBlob[];
  /** platform is `os/arch[/variant]` of the loaded config: what was chosen when the source held several. */
  platform: string;
  close(): Promise<void>;
}

/** ImageSource is a parsed IMAGE argument; load() reads it (and may fail with one line). */
export interface ImageSource {
  readonly reference: string;
  load(): Promise<LoadedImage>;
}

/** ReferenceOptions: where the demo image lies, which platform to pick from an index, podman's global flags. */
export interface ReferenceOptions {
  /** demoDir is the demo image's OCI layout (default build/demo-image in the repository). */
  demoDir?: string;
  /** platform is `OS/ARCH[/VARIANT]` or `ARCH` to pick from a multi-platform index (default linux/amd64). */
  platform?: string;
  /** podmanArgs go before podman's subcommand, e.g. `--root DIR --runroot DIR` (default: VAOCI_PODMAN_ARGS split on spaces). */
  podmanArgs?: string[];
  /** registry: TLS and credentials for docker://REF pulls. */
  registry?: RegistryOptions;
}

/** REFERENCE_FORMS is what an IMAGE argument may be, for error lines. */
export const REFERENCE_FORMS =
  "demo, oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:NAME[:TAG]], podman:NAME, docker://REF, or a REF (podman's local storage, else a registry)";

/**
 * parseImageReference reads an IMAGE argument: `demo`, `oci:DIR[:TAG]`,
 * `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:NAME[:TAG]]`,
 * `podman:NAME`, or a bare NAME podman's local storage has (asked only when
 * podman is installed). As in containers/image, the path ends at the first
 * `:`. Throws badInput with one line naming the value and what was expected.
 */
export function parseImageReference(text: string, opts: ReferenceOptions = {}): ImageSource {
  const asked = opts.platform ? parsePlatform(opts.platform) : undefined;
  const platform: Platform = asked ?? DEFAULT_PLATFORM;
  if (text.startsWith('docker://')) return new RegistrySource(text, text.slice('docker://'.length), asked, opts.registry);
  const colon = text.indexOf(':');
  const [transport, rest] = colon === -1 ? ['', text] : [text.slice(0, colon), text.slice(colon + 1)];
  const [file, selector] = splitOnce(rest);
  switch (transport) {
    case 'oci':
      return new OciLayoutSource(text, needPath(text, file, 'DIR'), selector, platform);
    case 'oci-archive':
      return new OciArchiveSource(text, needPath(text, file, 'FILE'), selector, platform);
    case 'docker-archive':
      return new DockerArchiveSource(text, needPath(text, file, 'FILE'), selector);
    case 'podman':
      if (!rest) throw badInput(`image \`${text}\`: expected podman:NAME`);
      return new PodmanSource(text, rest, platform, opts.podmanArgs ?? podmanArgs());
  }
  if (text === 'demo') return demoSource(opts.demoDir, platform);
  if (/^[a-z0-9]/i.test(text) && podmanHas(text, opts.podmanArgs ?? podmanArgs()))
    return new PodmanSource(text, text, platform, opts.podmanArgs ?? podmanArgs());
  // As podman: a name its storage does not have is pulled (a colon here is HOST:PORT or :TAG, not a transport).
  if (REF_CHARS.test(text) && !['oci', 'oci-archive', 'docker-archive', 'podman', 'docker'].includes(transport))
    return new RegistrySource(text, text, asked, opts.registry);
  throw badInput(`image \`${text}\`: expected ${REFERENCE_FORMS}`);
}

/** splitOnce splits at the first `:`; the selector is undefined when there is none. */
function splitOnce(text: string): [string, string | undefined] {
  const i = text.indexOf(':');
  return i === -1 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

function needPath(text: string, file: string, what: string): string {
  if (!file) throw badInput(`image \`${text}\`: no ${what} — expected ${text.slice(0, text.indexOf(':'))}:${what}[:…]`);
  return file;
}
