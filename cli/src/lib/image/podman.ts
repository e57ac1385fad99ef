/**
 * The podman transport: `podman:NAME` (or a bare NAME podman's local
 * storage has). podman exports the image with `podman image save --format
 * oci-archive` to a temporary file, read as an oci-archive; close() removes
 * it. podman's global flags (`--root DIR --runroot DIR` for a storage other
 * than the host's) come from ReferenceOptions.podmanArgs or
 * VAOCI_PODMAN_ARGS.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { badInput } from '../errors';
import { findProgram } from './compression';
import { OciArchiveSource } from './oci-layout';
import type { Platform } from './platform';
import type { ImageSource, LoadedImage } from './source';

/** podmanArgs are podman's global flags from VAOCI_PODMAN_ARGS, split on white space. */
export function podmanArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.VAOCI_PODMAN_ARGS ?? '').split(/\s+/).filter(Boolean);
}

/** podmanHas tells whether podman is installed and its local storage has an image `name`. */
export function podmanHas(name: string, args: string[]): boolean {
  if (!findProgram('podman')) return false;
  return spawnSync('podman', [...args, 'image', 'exists', name], { stdio: 'ignore', timeout: 60_000 }).status === 0;
}

/** PodmanSource is an image of podman's local storage, exported when loaded. */
export class PodmanSource implements ImageSource {
  constructor(
    readonly reference: string,
    private readonly name: string,
    private readonly platform: Platform,
    private readonly args: string[],
  ) {}

  async load(): Promise<LoadedImage> {
    if (!findProgram('podman'))
      throw badInput(`image \`${this.reference}\`: podman is not installed — expected podman on PATH for podman:NAME`);
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'vaoci-podman-'));
    const cleanup = (): Promise<void> => fs.promises.rm(dir, { recursive: true, force: true });
    const file = path.join(dir, 'image.tar');
    try {
      await save(this.args, this.name, file, this.reference);
    } catch (e) {
      await cleanup();
      throw e;
    }
    return new OciArchiveSource(this.reference, file, undefined, this.platform, cleanup).load();
  }
}

/** save runs `podman image save --format oci-archive`; a failure is podman's last line of stderr. */
function save(args: string[], name: string, file: string, reference: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', [...args, 'image', 'save', '--quiet', '--format', 'oci-archive', '-o', file, name], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => reject(badInput(`image \`${reference}\`: cannot run podman (${e.message})`)));
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const last =
        stderr
          .trim()
          .split('\n')
          .pop()
          ?.replace(/^Error: /, '') || `exit status ${code}`;
      reject(badInput(`image \`${reference}\`: podman image save: ${last}`));
    });
  });
}
