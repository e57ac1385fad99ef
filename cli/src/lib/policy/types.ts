/**
 * The policy contract's types: the inputs of resolution (annotations, node
 * config, detected facts) and its result, mirroring schemas/node-config,
 * schemas/policy (and its $defs/detected).
 */
import type { KEYS, POLICY } from './grammar.gen';
import type { WindowJson } from './window';

/** SettingKey names one annotation key after `vaoci.io/`: va-limit, guest-arch, emulator, on-error. */
export type SettingKey = (typeof KEYS)[number]['name'];
/** GuestArch is a resolved guest architecture. */
export type GuestArch = (typeof POLICY.guestArch)[number];
/** EmulatorName is a resolved emulator. */
export type EmulatorName = (typeof POLICY.emulator)[number];
/** BinfmtEmulator is what a binfmt_misc interpreter is named as. */
export type BinfmtEmulator = (typeof POLICY.binfmtEmulator)[number];
/** Method is how the reservation reaches its process. */
export type Method = (typeof POLICY.method)[number];
/** SourceKind is where a setting came from. */
export type SourceKind = (typeof POLICY.source)[number];
/** OnError is what a problem does. */
export type OnError = (typeof POLICY.onError)[number];
/** ElfArch is an architecture read from an ELF header. */
export type ElfArch = (typeof POLICY.entryArch)[number];
/** Linkage says whether a program has a dynamic loader (PT_INTERP). */
export type Linkage = (typeof POLICY.linkage)[number];

/** NodeConfig is /etc/vaoci/config.json (schemas/node-config.schema.json). */
export interface NodeConfig {
  runtime?: string;
  defaults?: Partial<Record<'va_limit' | 'guest_arch' | 'emulator' | 'on_error', unknown>>;
  injection?: {
    host_dir?: string;
    preload?: string;
    launcher?: string;
    bind_mount?: boolean;
    library_dirs?: string[];
  };
  log?: string;
  reports_dir?: string;
  binfmt_dir?: string;
}

/** Entrypoint is the container's entrypoint as detected inside its rootfs, or why not. */
export type Entrypoint = { path: string; arch: ElfArch; linkage: 'static' | 'dynamic' } | { path?: string; error: string };

/** BinfmtEntry is one enabled binfmt_misc registration that handles a guest's ELF. */
export interface BinfmtEntry {
  entry: string;
  emulator: BinfmtEmulator;
  interpreter: string;
  flags: string;
  linkage: Linkage;
  loader?: string;
  /** launcher: the interpreter is vaoci-binfmt, in front of the emulator named (emulator and linkage are that emulator's). */
  launcher?: boolean;
}

/** Detected holds the facts auto needs, found on the node (detect.ts) or written in a test vector. */
export interface Detected {
  host_arch?: 'aarch64' | 'x86_64';
  entrypoint?: Entrypoint;
  binfmt?: { x86_64?: BinfmtEntry | null; i386?: BinfmtEntry | null };
}

/** Source says where one setting came from: its kind and the annotation key or node-config pointer. */
export interface Source {
  source: SourceKind;
  key?: string;
}

/** Injection is how the window gets into the process that must reserve it. */
export interface Injection {
  method: Method;
  env: Record<string, string>;
  mounts: string[];
  /** args (launch only) go before the container's process.args. */
  args?: string[];
}

/** Policy is the resolved policy of one container (schemas/policy.schema.json). */
export interface Policy {
  container: string;
  guest_arch: GuestArch;
  va_limit: string;
  window: WindowJson | null;
  emulator: EmulatorName;
  on_error: OnError;
  injection: Injection;
  sources: Record<'va_limit' | 'guest_arch' | 'emulator' | 'on_error', Source>;
  warnings: string[];
  reasons: Record<'va_limit' | 'guest_arch' | 'emulator' | 'on_error' | 'injection', string>;
}

/** ResolveInput is everything resolution depends on: it reads nothing else. */
export interface ResolveInput {
  annotations: Record<string, unknown>;
  nodeConfig?: NodeConfig;
  container: string;
  detected?: Detected;
}

/** Resolution is a policy, or (under on-error fail) the problem lines that refused it. */
export type Resolution = { ok: true; policy: Policy } | { ok: false; errors: string[] };
