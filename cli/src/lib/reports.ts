/**
 * The reports vaoci-reserve prints with --json, as TypeScript types. The
 * schemas under schemas/reserve-*.schema.json are the contract; a report is
 * validated against them before it is given one of these types.
 */
import type { Algorithm } from './flags';

/** Hex is an address or size as lower-case hex with a 0x prefix. */
export type Hex = string;

/** Arch is the architecture vaoci-reserve was built for. */
export type Arch = 'x86_64' | 'aarch64';

/** ToolCommand is a vaoci-reserve command. */
export type ToolCommand = 'probe' | 'check' | 'bench' | 'verify';

/** ToolStatus is the class of a failure vaoci-reserve reports (defs.schema.json#/$defs/status). */
export type ToolStatus = 'invalid' | 'system' | 'rlimit-as' | 'map-count' | 'nomem' | 'capacity' | 'outside' | 'unsupported';

/** Envelope holds the keys every report starts with. */
export interface Envelope<C extends ToolCommand> {
  tool: 'vaoci-reserve';
  command: C;
  arch: Arch;
  ok: boolean;
}

/** FailureReport is a report whose command could not run. */
export interface FailureReport<C extends ToolCommand = ToolCommand> extends Envelope<C> {
  ok: false;
  error: { status: ToolStatus; message: string };
}

/** Window is a parsed VA window; wraps means everything but [upper, lower). */
export interface Window {
  text: string;
  lower: Hex;
  upper: Hex;
  wraps: boolean;
}

/** Span is a half-open address range. */
export interface Span {
  start: Hex;
  end: Hex;
}

/** Vma is one line of /proc/PID/maps. */
export interface Vma extends Span {
  perms: string;
  name: string;
}

/** Limit is a resource limit in bytes, or unlimited. */
export type Limit = number | 'unlimited';

/** ProbeReport is `vaoci-reserve --json probe`. */
export interface ProbeReport extends Envelope<'probe'> {
  kernel: string;
  va_bits: number;
  task_size: Hex;
  page_size: number;
  mmap_min_addr: Hex;
  stack: Span;
  rlimit_stack: Limit;
  rlimit_as: Limit;
  procmap_query: boolean;
}

/** Verify is a live process's address space classified against a window. */
export interface Verify {
  pid: number;
  holds: boolean;
  floor: Hex;
  task_size: Hex;
  reserved: { bytes: number; regions: number };
  mapped: { bytes: number; regions: number; list: Vma[] };
  free: { bytes: number; regions: number; list: Span[] };
  stack_keep_bytes: number;
  coverage: number;
}

/** Sample is one kind of allocation made after reserving, checked against the window. */
export interface Sample {
  kind: 'mmap' | 'mmap-hint' | 'mmap-high' | 'shmat' | 'mremap';
  count: number;
  outside: number;
  refused: number;
  first_outside: Hex | null;
}

/** CheckReport is `vaoci-reserve --json check`. */
export interface CheckReport extends Envelope<'check'> {
  window: Window;
  reservation: { algorithm: Algorithm; bytes: number; regions: number; syscalls: number; nanoseconds: number };
  samples: Sample[];
  verify: Verify;
}

/** BenchResult is one algorithm in one kind of process, over every run. */
export interface BenchResult {
  /** algorithm, or floor: only the mappings the default ends up with, at addresses known beforehand. */
  algorithm: Algorithm | 'floor';
  process: 'static' | 'dynamic';
  runs: number;
  failed: number;
  median_ns: number;
  p90_ns: number;
  min_ns: number;
  syscalls_median: number;
  bytes: number;
  regions: number;
  speedup_vs_ladder: number | null;
  speedup_vs_gaps: number | null;
  /** times_floor is this median over the floor's (1 for the floor); null when the floor was not measured. */
  times_floor: number | null;
}

/** BenchReport is `vaoci-reserve --json bench`. */
export interface BenchReport extends Envelope<'bench'> {
  window: Window;
  runs: number;
  /** mappings each fresh static process made before reserving (0 = none). */
  mappings: number;
  results: BenchResult[];
}

/** VerifyReport is `vaoci-reserve --json verify`. */
export interface VerifyReport extends Envelope<'verify'> {
  window: Window;
  verify: Verify;
}

/** Reports maps each command to its full report. */
export interface Reports {
  probe: ProbeReport;
  check: CheckReport;
  bench: BenchReport;
  verify: VerifyReport;
}

/** isFailure tells a failure report from a full one. */
export function isFailure(report: object): report is FailureReport {
  return 'error' in report;
}
