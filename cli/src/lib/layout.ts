/**
 * The geometry of the address-space picture: a piecewise vertical axis and
 * label placement. User space spans 2^47 or 2^48 bytes while a library is a
 * few pages, so no single linear or log scale shows both: regions are
 * grouped into blocks (a big region alone; runs of small ones, such as a
 * program's segments and its libraries, together), each block gets a height
 * that grows with the log of its size, and addresses are linear within a
 * block. Addresses grow upwards, as in most memory maps.
 */
import type { Region } from './addrspace';

/** SMALL is the size under which neighbouring regions share one block. */
export const SMALL = 16n << 20n;

/** Block is a run of regions drawn with one linear scale between y0 (bottom, at start) and y1 (top, at end). */
export interface Block {
  start: bigint;
  end: bigint;
  regions: Region[];
  y0: number;
  y1: number;
}

/**
 * group cuts the regions into blocks: a region of SMALL or more, or any
 * free space outside the window (the warning must never be lost inside a
 * cluster), stands alone; consecutive smaller regions form one block.
 */
export function group(regions: Region[]): Block[] {
  const blocks: Block[] = [];
  let run: Region[] = [];
  const flush = (): void => {
    if (run.length) blocks.push({ start: run[0].start, end: run[run.length - 1].end, regions: run, y0: 0, y1: 0 });
    run = [];
  };
  for (const r of regions) {
    if (r.end - r.start >= SMALL || r.kind === 'free-outside') {
      flush();
      run = [r];
      flush();
    } else run.push(r);
  }
  flush();
  return blocks;
}

/** weight is a block's share of the axis: the log of its size, plus room for the names in a cluster. */
export function weight(b: Block): number {
  const pages = Number((b.end - b.start) >> 12n);
  const names = new Set(b.regions.filter((r) => r.kind === 'mapped').map((r) => r.name)).size;
  return 4 + Math.log2(pages + 1) + 3 * Math.min(names, 8);
}

/**
 * stack gives each block its pixel range inside [top, bottom] (y grows
 * downwards in SVG, addresses upwards), `gap` pixels apart.
 */
export function stack(blocks: Block[], top: number, bottom: number, gap: number): Block[] {
  const total = blocks.reduce((s, b) => s + weight(b), 0);
  const room = bottom - top - gap * Math.max(0, blocks.length - 1);
  let y = bottom;
  return blocks.map((b) => {
    const h = (weight(b) / total) * room;
    const placed = { ...b, y0: y, y1: y - h };
    y -= h + gap;
    return placed;
  });
}

/** yOf maps an address to its y on the axis (clamped to the blocks' span). */
export function yOf(blocks: Block[], addr: bigint): number {
  const b = blocks.find((x) => addr < x.end) ?? blocks[blocks.length - 1];
  if (addr <= b.start) return b.y0;
  if (addr >= b.end) return b.y1;
  const f = Number(addr - b.start) / Number(b.end - b.start);
  return b.y0 + f * (b.y1 - b.y0);
}

/** Wanted is a label that would like to sit at y; higher priority keeps its place when room runs out. */
export interface Wanted<T> {
  y: number;
  priority: number;
  item: T;
}

/** Placed is a label with the y it got. */
export interface Placed<T> extends Wanted<T> {
  at: number;
}

/** PLACE_MAX bounds how many labels place() considers, highest priority first (it is quadratic). */
export const PLACE_MAX = 400;

/**
 * place spreads labels along [top, bottom] at least `spacing` apart, each
 * as near its wanted y as the others allow. Labels are taken highest
 * priority first; one that would push any label (itself included) more
 * than `maxShift` pixels from its point, or past the room there is, is
 * left out: labelled where room allows, and a crowd in one place never
 * costs a label elsewhere.
 */
export function place<T>(wanted: Array<Wanted<T>>, top: number, bottom: number, spacing: number, maxShift = Infinity): Array<Placed<T>> {
  const fits = Math.max(0, Math.floor((bottom - top) / spacing) + 1);
  let kept: Array<Wanted<T>> = [];
  for (const w of [...wanted].sort((a, b) => b.priority - a.priority).slice(0, PLACE_MAX)) {
    if (kept.length >= fits) break;
    const trial = [...kept, w];
    if (spread(trial, top, bottom, spacing).every((p) => Math.abs(p.at - p.y) <= maxShift)) kept = trial;
  }
  return spread(kept, top, bottom, spacing);
}

/** spread places labels in y order: pushed down past their upper neighbours, then up from the bottom. */
function spread<T>(wanted: Array<Wanted<T>>, top: number, bottom: number, spacing: number): Array<Placed<T>> {
  const byY = [...wanted].sort((a, b) => a.y - b.y).map((w) => ({ ...w, at: Math.min(Math.max(w.y, top), bottom) }));
  for (let i = 1; i < byY.length; i++) byY[i].at = Math.max(byY[i].at, byY[i - 1].at + spacing);
  if (byY.length) byY[byY.length - 1].at = Math.min(byY[byY.length - 1].at, bottom);
  for (let i = byY.length - 2; i >= 0; i--) byY[i].at = Math.min(byY[i].at, byY[i + 1].at - spacing);
  return byY;
}
