/**
 * detect gathers the facts auto needs for one container from the node: the
 * entrypoint's architecture (inside the bundle's rootfs) and the binfmt_misc
 * entries. Kept apart from resolution, which is a pure function of them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectBinfmt, nodeBinfmtIo, type BinfmtIo } from './binfmt';
import { NODE } from './grammar.gen';
import { RootfsError, findEntrypoint, nodeIo, type ProcessSpec, type RootIo } from './rootfs';
import type { Detected, Entrypoint } from './types';

/** OciConfig is the part of an OCI bundle's config.json detection reads. */
export interface OciConfig {
  root?: { path?: string };
  process?: ProcessSpec;
  annotations?: Record<string, string>;
}

/** DetectOptions says where to look; every field has the node's default. */
export interface DetectOptions {
  /** bundle is an OCI bundle directory (config.json, and root.path relative to it). */
  bundle?: string;
  /** config and rootfs replace the bundle's when given. */
  config?: OciConfig;
  rootfs?: string;
  binfmtDir?: string;
  hostArch?: 'aarch64' | 'x86_64';
  rootIo?: RootIo;
  binfmtIo?: BinfmtIo;
}

/** hostArch names the architecture this process runs on, as vaoci does. */
export function hostArch(): 'aarch64' | 'x86_64' {
  return process.arch === 'arm64' ? 'aarch64' : 'x86_64';
}

/** detectEntrypoint finds the entrypoint's ELF facts inside the rootfs, or the reason it cannot. */
export function detectEntrypoint(rootfs: string, proc: ProcessSpec, io: RootIo = nodeIo): Entrypoint {
  try {
    const found = findEntrypoint(rootfs, proc, io);
    return { path: found.path, arch: found.elf.arch, linkage: found.elf.linkage };
  } catch (e) {
    if (e instanceof RootfsError) return { error: e.message };
    throw e;
  }
}

/** detect gathers the facts for one container: host architecture, entrypoint, binfmt_misc. */
export function detect(opts: DetectOptions = {}): Detected {
  const config =
    opts.config ?? (opts.bundle ? (JSON.parse(fs.readFileSync(path.join(opts.bundle, 'config.json'), 'utf8')) as OciConfig) : undefined);
  const rootfs = opts.rootfs ?? (opts.bundle ? path.resolve(opts.bundle, config?.root?.path ?? 'rootfs') : undefined);
  const detected: Detected = { host_arch: opts.hostArch ?? hostArch() };
  if (rootfs && config?.process) detected.entrypoint = detectEntrypoint(rootfs, config.process, opts.rootIo ?? nodeIo);
  detected.binfmt = detectBinfmt(opts.binfmtDir ?? NODE.binfmtDir, opts.binfmtIo ?? nodeBinfmtIo);
  return detected;
}
