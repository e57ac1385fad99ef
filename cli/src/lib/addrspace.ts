/**
 * A process's address space as regions a picture can colour: every byte of
 * [0, top of user space) is exactly one of unmappable, mapped, reserved,
 * free inside the window, free outside it (the danger), or kept free below
 * the stack for its growth. Pure: maps text and a verify report in, regions out.
 */
import { type MapsEntry, isReservation } from './maps';
import type { Verify, Window } from './reports';

/** RegionKind is what a stretch of address space is. */
export type RegionKind = 'unmappable' | 'mapped' | 'reserved' | 'free-inside' | 'free-outside' | 'stack-keep';

/** Region is one stretch [start, end) of one kind; mapped ones keep their name and permissions. */
export interface Region {
  start: bigint;
  end: bigint;
  kind: RegionKind;
  inWindow: boolean;
  name?: string;
  perms?: string;
}

/** Bounds are a window's parsed bounds; lower 0 means the bottom of user space. */
export interface Bounds {
  lower: bigint;
  upper: bigint;
  wraps: boolean;
}

/** bounds parses a report's window. */
export function bounds(w: Window): Bounds {
  return { lower: BigInt(w.lower), upper: BigInt(w.upper), wraps: w.wraps };
}

/** inWindow tells whether an address lies inside the window. */
export function inWindow(b: Bounds, addr: bigint): boolean {
  return b.wraps ? addr < b.upper || addr >= b.lower : addr >= b.lower && addr < b.upper;
}

/** windowSpans are the window's pieces inside [0, top): one, or two when it wraps. */
export function windowSpans(b: Bounds, top: bigint): Array<[bigint, bigint]> {
  const clip = (s: bigint, e: bigint): Array<[bigint, bigint]> => (s < e ? [[s, e < top ? e : top]] : []);
  return b.wraps ? [...clip(0n, b.upper), ...clip(b.lower, top)] : clip(b.lower, b.upper);
}

/**
 * classify lays maps over [0, top): what no mapping covers is free, split
 * at the window's bounds into free inside and free outside; the free space
 * right below [stack] that the reserver keeps (verify.stack_keep_bytes) is
 * stack-keep. Mappings beyond top (x86's vsyscall page) are left out.
 */
export function classify(maps: MapsEntry[], v: Verify, w: Window): Region[] {
  const floor = BigInt(v.floor);
  const top = BigInt(v.task_size);
  const b = bounds(w);
  const out: Region[] = floor > 0n ? [{ start: 0n, end: floor, kind: 'unmappable', inWindow: false }] : [];
  let at = floor;
  for (const e of [...maps].sort((x, y) => (x.start < y.start ? -1 : 1))) {
    const start = e.start > at ? e.start : at;
    const end = e.end < top ? e.end : top;
    if (start >= end) continue;
    if (start > at) out.push(...freeSpan(at, start, b));
    out.push(...split({ start, end, kind: isReservation(e) ? 'reserved' : 'mapped', inWindow: false, name: e.name, perms: e.perms }, b));
    at = end;
  }
  if (at < top) out.push(...freeSpan(at, top, b));
  return keepBelowStack(out, BigInt(v.stack_keep_bytes));
}

/** freeSpan is unmapped space, split at the window's bounds. */
function freeSpan(start: bigint, end: bigint, b: Bounds): Region[] {
  return split({ start, end, kind: 'free-inside', inWindow: true }, b).map((r) => ({
    ...r,
    kind: r.inWindow ? 'free-inside' : 'free-outside',
  }));
}

/** split cuts a region at the window's bounds and marks each piece in or out. */
function split(r: Region, b: Bounds): Region[] {
  const cuts = [b.lower, b.upper].filter((c) => c > r.start && c < r.end).sort((x, y) => (x < y ? -1 : 1));
  const edges = [r.start, ...cuts, r.end];
  return edges.slice(1).map((end, i) => ({ ...r, start: edges[i], end, inWindow: inWindow(b, edges[i]) }));
}

/** keepBelowStack marks the top `keep` bytes of the free gap outside the window just below [stack]. */
function keepBelowStack(regions: Region[], keep: bigint): Region[] {
  const i = regions.findIndex((r) => r.kind === 'mapped' && r.name === '[stack]');
  const gap = regions[i - 1];
  if (i < 1 || keep === 0n || gap.kind !== 'free-outside' || gap.end !== regions[i].start) return regions;
  const cut = gap.end - keep > gap.start ? gap.end - keep : gap.start;
  const kept: Region = { start: cut, end: gap.end, kind: 'stack-keep', inWindow: false };
  const pieces = cut > gap.start ? [{ ...gap, end: cut }, kept] : [kept];
  return [...regions.slice(0, i - 1), ...pieces, ...regions.slice(i)];
}

/** Totals sums regions by kind, in bytes and count. */
export type Totals = Record<RegionKind, { bytes: bigint; regions: number }>;

/** totals adds up the regions of each kind. */
export function totals(regions: Region[]): Totals {
  const t = Object.fromEntries(
    (['unmappable', 'mapped', 'reserved', 'free-inside', 'free-outside', 'stack-keep'] as RegionKind[]).map((k) => [
      k,
      { bytes: 0n, regions: 0 },
    ]),
  ) as Totals;
  for (const r of regions) {
    t[r.kind].bytes += r.end - r.start;
    t[r.kind].regions++;
  }
  return t;
}
