/**
 * The registry transport: `docker://REF` (and a bare REF that podman's
 * local storage does not have), pulled with skopeo — containers/image's own
 * client, packaged by every distribution that packages podman — rather than
 * a registry protocol written here: it already speaks the token and basic
 * auth flows, reads the usual credential files (containers' auth.json,
 * ~/.docker/config.json, REGISTRY_AUTH_FILE), /etc/containers/certs.d and
 * registries.conf (mirrors, short names), and checks every blob's digest.
 *
 * Steps: `skopeo inspect --raw` reads the manifest or index; an index is
 * resolved here to the wanted platform's manifest (so the line that says a
 * platform is missing lists the ones there are); `skopeo copy` of that
 * manifest, pinned by digest, into a private OCI layout in a temporary
 * directory; then the layout is read like `oci:DIR`, every blob's digest
 * checked again, and unpacked into the cache by the caller. A pull that stops
 * half way (the registry gone, the network cut) fails in skopeo before
 * anything reaches the cache, and the temporary layout is removed: no half
 * cache entry.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Failure, badInput } from '../errors';
import { findProgram } from './compression';
import { sha256Of } from './digest';
import { type Descriptor, INDEX_TYPES, loadLayout, pickPlatform } from './oci-layout';
import { type Platform, matches } from './platform';
import type { ImageSource, LoadedImage } from './source';
import { DirStore } from './store';

/** RegistryOptions are the pull's TLS and credentials, as podman's flags. */
export interface RegistryOptions {
  /** tlsVerify false: accept any certificate and plain HTTP (podman --tls-verify=false). */
  tlsVerify?: boolean;
  /** certDir: a directory of *.crt CAs (and client *.cert/*.key) for the registry (podman --cert-dir). */
  certDir?: string;
  /** authfile: credentials to use instead of the usual files (podman --authfile). */
  authfile?: string;
  /** tmpDir: where the pulled layout is kept until read (default: the system's temporary directory). */
  tmpDir?: string;
}

/** X86: the platforms an x86 guest can be, in the order the default picks them. */
const X86: Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: '386' },
];

/** repositoryOf drops the tag and digest of REF: host[:port]/path[:tag][@digest] → host[:port]/path. */
export function repositoryOf(ref: string): string {
  const at = ref.indexOf('@');
  const noDigest = at === -1 ? ref : ref.slice(0, at);
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** REF_CHARS: what a registry reference is made of (the bare IMAGE argument is taken for one when it matches). */
export const REF_CHARS = /^[a-z0-9][a-z0-9._:/@-]*$/i;

/** checkRef refuses what cannot be a registry reference, in one line. */
export function checkRef(reference: string, ref: string): void {
  if (!REF_CHARS.test(ref) || ref.includes('//') || ref.endsWith('/') || ref.endsWith(':')) {
    throw badInput(`image \`${reference}\`: expected a registry reference [HOST[:PORT]/]PATH[:TAG][@sha256:DIGEST]`);
  }
  const at = ref.indexOf('@');
  if (at !== -1 && !/^sha256:[0-9a-f]{64}$/.test(ref.slice(at + 1)))
    throw badInput(`image \`${reference}\`: digest \`${ref.slice(at + 1)}\` — expected sha256:<64 lower-case hex digits>`);
}

/**
 * choose picks the manifest of an index: the platform asked for, else (no --platform) the x86 one —
 * linux/amd64, or linux/386 when that is all the index has: vaoci runs x86 guests.
 */
export function choose(manifests: Descriptor[], asked: Platform | undefined, where: string, fail: (w: string) => Error): Descriptor {
  if (asked) return pickPlatform(manifests, asked, where, fail);
  const x86 = X86.map((p) => manifests.find((d) => matches(d.platform, p))).find(Boolean);
  return x86 ?? pickPlatform(manifests, X86[0], where, fail);
}

/** RegistrySource is `docker://REF`. */
export class RegistrySource implements ImageSource {
  constructor(
    readonly reference: string,
    private readonly ref: string,
    private readonly platform: Platform | undefined,
    private readonly opts: RegistryOptions = {},
  ) {
    checkRef(reference, ref);
  }

  async load(): Promise<LoadedImage> {
    if (!findProgram('skopeo'))
      throw badInput(`image \`${this.reference}\`: skopeo is not installed — expected skopeo on PATH to pull from a registry`);
    const fail = (what: string): Error => badInput(`image \`${this.reference}\`: ${what}`);
    const raw = await skopeo(['inspect', '--raw', ...this.flags(''), `docker://${this.ref}`], this.reference, 'inspect');
    let doc: { mediaType?: string; manifests?: Descriptor[] };
    try {
      doc = JSON.parse(raw.toString('utf8'));
    } catch {
      throw fail('the registry answered a manifest that is not JSON');
    }
    // Pinned by digest: what is copied is exactly what was inspected, even if the tag moves meanwhile.
    const isIndex = Array.isArray(doc.manifests) && (!doc.mediaType || INDEX_TYPES.includes(doc.mediaType));
    const digest = isIndex ? choose(doc.manifests!, this.platform, 'the index', fail).digest : sha256Of(raw);
    const parent = this.opts.tmpDir ?? os.tmpdir();
    await fs.promises.mkdir(parent, { recursive: true, mode: 0o700 });
    const dir = await fs.promises.mkdtemp(path.join(parent, 'vaoci-pull-'));
    const cleanup = (): Promise<void> => fs.promises.rm(dir, { recursive: true, force: true });
    try {
      await skopeo(
        ['copy', '--quiet', ...this.flags('src-'), `docker://${repositoryOf(this.ref)}@${digest}`, `oci:${dir}:pulled`],
        this.reference,
        'copy',
      );
      return await loadLayout(new DirStore(dir), this.reference, 'pulled', this.platform ?? X86[0], cleanup);
    } catch (e) {
      await cleanup();
      throw e;
    }
  }

  /** flags are skopeo's TLS and credential options (prefixed src- for copy). */
  private flags(prefix: string): string[] {
    return [
      ...(this.opts.tlsVerify === false ? [`--${prefix}tls-verify=false`] : []),
      ...(this.opts.certDir ? [`--${prefix}cert-dir`, this.opts.certDir] : []),
      ...(this.opts.authfile ? [`--${prefix}authfile`, this.opts.authfile] : []),
    ];
  }
}

/** skopeo runs one skopeo command; its stdout, or a Failure with skopeo's last line of stderr. */
function skopeo(args: string[], reference: string, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // env passed explicitly: the credentials' places (HOME, XDG_RUNTIME_DIR, REGISTRY_AUTH_FILE) are read from it
    const child = spawn('skopeo', args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => reject(new Failure(`image \`${reference}\`: cannot run skopeo (${e.message})`, 'system')));
    child.on('close', (code) => {
      if (code === 0) return resolve(Buffer.concat(out));
      const last =
        stderr
          .trim()
          .split('\n')
          .pop()
          ?.replace(/^time="[^"]*" level=\w+ msg="(.*)"$/, '$1')
          .replace(/^(Error: |FATA\[\d+\] )/, '') || `exit status ${code}`;
      reject(new Failure(`image \`${reference}\`: pull (skopeo ${what}): ${last}`, 'system'));
    });
  });
}
