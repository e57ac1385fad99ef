/**
 * The address-space picture of `vaoci verify --svg`: a vertical memory map
 * from 0 to the top of user space on a piecewise axis (see layout.ts), the
 * window marked beside it, reservations hatched, live mappings coloured by
 * permission and labelled by name where room allows, free space outside the
 * window in red, a legend, and the verdict in large type. Every region
 * carries a tooltip with its exact range. Pure: regions and report in, text out.
 */
import { type Region, type RegionKind, bounds, windowSpans } from './addrspace';
import { formatBytes, formatPercent, hex, plural } from './format';
import { type Block, type Wanted, group, place, stack, yOf } from './layout';
import type { VerifyReport } from './reports';

const W = 960;
const MAP_TOP = 128;
const MAP_BOTTOM = 808;
const BAR_X = 232;
const BAR_W = 180;
const WINDOW_X = 212;
const WINDOW_W = 12;
const TICK_X = 200;
const LABEL_X = 452;
const LABEL_SPACING = 15;
const MAX_SHIFT = 90; // a label further than this from its region is dropped
const BLOCK_GAP = 6;
const CHAR_W = 6.6; // a 12 px sans-serif character, near enough to decide what fits

/** COLOURS are the fills of each kind of region; mapped ones by permission. */
export const COLOURS = {
  window: '#1c7ed6',
  'free-inside': '#e7f1fd',
  reserved: '#adb5bd',
  'free-outside': '#e03131',
  'stack-keep': '#ffd43b',
  unmappable: '#495057',
  code: '#364fc7',
  data: '#0ca678',
  readonly: '#8ce99a',
  holds: '#2b8a3e',
  fails: '#c92a2a',
  text: '#212529',
  muted: '#868e96',
} as const;

/** xml escapes text for an SVG text node or attribute. */
export function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** fill picks a region's fill: its kind's colour, by permission for mappings, a hatch for reservations. */
export function fill(r: Region): string {
  if (r.kind === 'reserved') return 'url(#hatch)';
  if (r.kind !== 'mapped') return COLOURS[r.kind];
  if (r.perms?.[2] === 'x') return COLOURS.code;
  if (r.perms?.[1] === 'w') return COLOURS.data;
  return COLOURS.readonly;
}

/** describe names a region for its tooltip and labels. */
export function describe(r: Region): string {
  const what: Record<RegionKind, string> = {
    unmappable: 'below mmap_min_addr: never mapped',
    mapped: `${r.perms ?? ''} ${r.name || 'anonymous'}`,
    reserved: 'reserved by vaoci (PROT_NONE, no memory behind it)',
    'free-inside': 'free, inside the window',
    'free-outside': 'FREE OUTSIDE THE WINDOW: the kernel may hand these addresses out',
    'stack-keep': 'kept free for the main stack to grow',
  };
  return `${hex(r.start)}-${hex(r.end)} ${formatBytes(r.end - r.start)}: ${what[r.kind]}`;
}

/** SvgInput is what the picture shows: the tool's verify report and the regions of the same process. */
export interface SvgInput {
  report: VerifyReport;
  regions: Region[];
}

/** renderSvg draws the address-space picture as a standalone SVG document. */
export function renderSvg({ report, regions }: SvgInput): string {
  const blocks = stack(group(regions), MAP_TOP, MAP_BOTTOM, BLOCK_GAP);
  const legend = legendItems();
  const height = MAP_BOTTOM + 64 + Math.ceil(legend.length / 2) * 22 + 40;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${xml(`vaoci verify: pid ${report.verify.pid} against window ${report.window.text}`)}</title>`,
    defs(),
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    header(report),
    windowMarks(report, blocks),
    regionRects(blocks),
    breaks(blocks),
    ticks(report, blocks),
    inBarLabels(blocks),
    callouts(blocks),
    legendSvg(legend, MAP_BOTTOM + 44),
    `</svg>`,
    '',
  ].join('\n');
}

function defs(): string {
  return [
    '<defs>',
    `<pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">`,
    `<rect width="8" height="8" fill="${COLOURS.reserved}"/><line x1="0" y1="0" x2="0" y2="8" stroke="#868e96" stroke-width="3"/>`,
    '</pattern>',
    '</defs>',
  ].join('\n');
}

function header(r: VerifyReport): string {
  const v = r.verify;
  const w = r.window;
  const range = w.wraps ? `everything but [${w.upper}, ${w.lower})` : `[${w.lower}, ${w.upper})`;
  const verdict = v.holds
    ? 'HOLDS — nothing outside the window is free'
    : `DOES NOT HOLD — ${formatBytes(v.free.bytes)} free outside the window in ${plural(v.free.regions, 'gap')}`;
  const stats =
    `reserved ${formatBytes(v.reserved.bytes)} in ${plural(v.reserved.regions, 'region')} · ` +
    `${plural(v.mapped.regions, 'live mapping')} outside the window (${formatBytes(v.mapped.bytes)}) · ` +
    `coverage ${formatPercent(v.coverage)} · ${formatBytes(v.stack_keep_bytes)} kept for stack growth`;
  return [
    '<g id="header">',
    `<text x="24" y="34" font-size="20" font-weight="bold" fill="${COLOURS.text}">${xml(`Address space of pid ${v.pid} against window ${w.text}`)}</text>`,
    `<text x="24" y="56" fill="${COLOURS.muted}">${xml(`window ${range} · user space [0x0, ${v.task_size}) · ${r.arch}`)}</text>`,
    `<text id="verdict" x="24" y="86" font-size="18" font-weight="bold" fill="${v.holds ? COLOURS.holds : COLOURS.fails}">${xml(verdict)}</text>`,
    `<text x="24" y="108" fill="${COLOURS.text}">${xml(stats)}</text>`,
    '</g>',
  ].join('\n');
}

/** windowMarks draws the window as a bar beside the map (two when it wraps), the first with id="window". */
function windowMarks(r: VerifyReport, blocks: Block[]): string {
  const spans = windowSpans(bounds(r.window), BigInt(r.verify.task_size));
  const rects = spans.map(([s, e], i) => {
    const y = yOf(blocks, e);
    const h = Math.max(1, yOf(blocks, s) - y);
    const id = i === 0 ? ' id="window"' : '';
    const tip = `window ${r.window.text}: ${hex(s)}-${hex(e)} (${formatBytes(e - s)})`;
    return (
      `<rect${id} class="window" x="${WINDOW_X}" y="${f(y)}" width="${WINDOW_W}" height="${f(h)}" fill="${COLOURS.window}" ` +
      `data-start="${hex(s)}" data-end="${hex(e)}"><title>${xml(tip)}</title></rect>` +
      `<rect class="window-shade" x="${WINDOW_X}" y="${f(y)}" width="${BAR_X + BAR_W - WINDOW_X + 4}" height="${f(h)}" fill="${COLOURS.window}" fill-opacity="0.08"/>`
    );
  });
  return `<g id="windows">\n${rects.join('\n')}\n</g>`;
}

function regionRects(blocks: Block[]): string {
  const rects = blocks.flatMap((b) =>
    b.regions.map((r) => {
      const y = yOf([b], r.end);
      const h = Math.max(1, yOf([b], r.start) - y);
      const stroke = r.kind === 'free-outside' ? ` stroke="#862e2e" stroke-width="1"` : '';
      return (
        `<rect class="region ${r.kind === 'reserved' ? 'reservation' : r.kind}" x="${BAR_X}" y="${f(y)}" width="${BAR_W}" height="${f(h)}" ` +
        `fill="${fill(r)}"${stroke} data-start="${hex(r.start)}" data-end="${hex(r.end)}"><title>${xml(describe(r))}</title></rect>`
      );
    }),
  );
  return `<g id="regions">\n${rects.join('\n')}\n</g>`;
}

/** breaks marks where the axis changes scale: between blocks. */
function breaks(blocks: Block[]): string {
  const marks = blocks.slice(1).map((b) => {
    const y = b.y0 + BLOCK_GAP / 2;
    const zig = (x: number): string =>
      `<path d="M${x - 6} ${f(y + 3)} l4 -6 M${x - 1} ${f(y + 3)} l4 -6" stroke="${COLOURS.muted}" fill="none"/>`;
    return zig(BAR_X + 2) + zig(BAR_X + BAR_W + 4);
  });
  return `<g id="breaks">\n${marks.join('\n')}\n</g>`;
}

/** ticks labels addresses on the left: the window's bounds and the top first, then block edges, never closer than 13 px. */
function ticks(r: VerifyReport, blocks: Block[]): string {
  const top = BigInt(r.verify.task_size);
  const b = bounds(r.window);
  const want: Array<{ addr: bigint; y: number; priority: number; note?: string }> = [];
  for (const a of [b.lower, b.upper]) if (a <= top) want.push({ addr: a, y: yOf(blocks, a), priority: 100, note: 'window' });
  want.push({ addr: top, y: blocks[blocks.length - 1].y1, priority: 90, note: 'top' });
  want.push({ addr: 0n, y: blocks[0].y0, priority: 90 });
  blocks.slice(1).forEach((x) => want.push({ addr: x.start, y: x.y0 + BLOCK_GAP / 2, priority: Math.log2(Number(x.end - x.start) + 1) }));
  const kept: typeof want = [];
  for (const t of want.sort((p, q) => q.priority - p.priority)) {
    if (kept.every((k) => Math.abs(k.y - t.y) >= 13)) kept.push(t);
  }
  const lines = kept.map(
    (t) =>
      `<line x1="${TICK_X + 2}" y1="${f(t.y)}" x2="${WINDOW_X - 2}" y2="${f(t.y)}" stroke="${COLOURS.muted}"/>` +
      `<text x="${TICK_X}" y="${f(t.y + 4)}" text-anchor="end" font-family="DejaVu Sans Mono, monospace" font-size="11" ` +
      `fill="${t.note === 'window' ? COLOURS.window : COLOURS.text}">${hex(t.addr)}</text>`,
  );
  return `<g id="ticks">\n${lines.join('\n')}\n</g>`;
}

/** inBarLabel is the text written inside a lone region's block, when it fits. */
function inBarLabel(b: Block): string | undefined {
  if (b.regions.length !== 1 || b.y0 - b.y1 < 16) return undefined;
  const r = b.regions[0];
  const size = formatBytes(r.end - r.start);
  const text: Record<RegionKind, string> = {
    unmappable: 'unmappable',
    mapped: `${shortName(r.name ?? '')} ${size}`,
    reserved: `reserved ${size}`,
    'free-inside': `free (window) ${size}`,
    'free-outside': `FREE ${size}`,
    'stack-keep': `stack growth ${size}`,
  };
  const t = text[r.kind];
  return t.length * CHAR_W <= BAR_W - 12 ? t : undefined;
}

function inBarLabels(blocks: Block[]): string {
  const dark = new Set<RegionKind>(['reserved', 'free-inside', 'stack-keep']);
  const texts = blocks.flatMap((b) => {
    const t = inBarLabel(b);
    if (!t) return [];
    const r = b.regions[0];
    const colour = dark.has(r.kind) || (r.kind === 'mapped' && fill(r) === COLOURS.readonly) ? COLOURS.text : '#ffffff';
    const y = (b.y0 + b.y1) / 2 + 4;
    return [`<text x="${BAR_X + BAR_W / 2}" y="${f(y)}" text-anchor="middle" font-weight="bold" fill="${colour}">${xml(t)}</text>`];
  });
  return `<g id="bar-labels">\n${texts.join('\n')}\n</g>`;
}

/** shortName is a mapping's file name without its directory; pseudo-names stay as they are. */
export function shortName(name: string): string {
  if (!name) return 'anonymous';
  const base = name.startsWith('[') ? name : name.slice(name.lastIndexOf('/') + 1);
  return base.length > 40 ? `${base.slice(0, 39)}…` : base;
}

interface Callout {
  text: string;
  colour: string;
}

/**
 * calloutsWanted lists what deserves a label on the right: every free gap
 * outside the window first, then named mappings (runs of one name merged),
 * then lone blocks too small for a label inside the bar.
 */
export function calloutsWanted(blocks: Block[]): Array<Wanted<Callout>> {
  const out: Array<Wanted<Callout>> = [];
  for (const b of blocks) {
    const lone = b.regions.length === 1 ? b.regions[0] : undefined;
    if (lone && inBarLabel(b)) continue;
    if (lone && lone.kind === 'free-outside') {
      out.push({
        y: (b.y0 + b.y1) / 2,
        priority: 1e6,
        item: { text: `free outside the window: ${formatBytes(lone.end - lone.start)}`, colour: COLOURS.fails },
      });
      continue;
    }
    for (const run of runsByName(b.regions)) {
      const bytes = run.end - run.start;
      const text = run.kind === 'mapped' ? `${shortName(run.name ?? '')} · ${formatBytes(bytes)}` : describeShort(run);
      const named = run.kind === 'mapped' && run.name;
      const priority = (named ? (run.name?.startsWith('[') ? 5e5 : 1e5) : 0) + Math.log2(Number(bytes) + 1);
      if (run.kind === 'free-inside' && !lone) continue; // small free holes inside the window say nothing
      out.push({ y: (yOf([b], run.start) + yOf([b], run.end)) / 2, priority, item: { text, colour: COLOURS.text } });
    }
  }
  return out;
}

function describeShort(r: Region): string {
  const size = formatBytes(r.end - r.start);
  const words: Record<RegionKind, string> = {
    unmappable: 'below mmap_min_addr',
    mapped: 'mapping',
    reserved: 'reserved',
    'free-inside': 'free (window)',
    'free-outside': 'free outside the window',
    'stack-keep': 'kept for stack growth',
  };
  return `${words[r.kind]} · ${size}`;
}

/** runsByName merges consecutive regions of one kind and name (a library's segments) into one. */
function runsByName(regions: Region[]): Region[] {
  const runs: Region[] = [];
  for (const r of regions) {
    const last = runs[runs.length - 1];
    if (last && last.kind === r.kind && last.name === r.name && last.end === r.start) runs[runs.length - 1] = { ...last, end: r.end };
    else runs.push({ ...r });
  }
  return runs;
}

function callouts(blocks: Block[]): string {
  const placed = place(calloutsWanted(blocks), MAP_TOP + 6, MAP_BOTTOM, LABEL_SPACING, MAX_SHIFT);
  const items = placed.map(
    (p) =>
      `<path d="M${BAR_X + BAR_W + 2} ${f(p.y)} L${LABEL_X - 22} ${f(p.y)} L${LABEL_X - 6} ${f(p.at)}" stroke="${COLOURS.muted}" fill="none"/>` +
      `<text class="label" x="${LABEL_X}" y="${f(p.at + 4)}" fill="${p.item.colour}">${xml(p.item.text)}</text>`,
  );
  return `<g id="labels">\n${items.join('\n')}\n</g>`;
}

interface LegendItem {
  fill: string;
  text: string;
}

function legendItems(): LegendItem[] {
  return [
    { fill: COLOURS.window, text: 'the window: where addresses may be handed out' },
    { fill: COLOURS['free-inside'], text: 'free inside the window' },
    { fill: 'url(#hatch)', text: 'reserved by vaoci (PROT_NONE, costs no memory)' },
    { fill: COLOURS['free-outside'], text: 'free outside the window: the kernel may use it' },
    { fill: COLOURS.code, text: 'mapping: executable' },
    { fill: COLOURS['stack-keep'], text: 'kept free for the main stack to grow' },
    { fill: COLOURS.data, text: 'mapping: writable' },
    { fill: COLOURS.unmappable, text: 'below mmap_min_addr' },
    { fill: COLOURS.readonly, text: 'mapping: read-only' },
  ];
}

function legendSvg(items: LegendItem[], y0: number): string {
  const rows = items.map((it, i) => {
    const x = 24 + (i % 2) * 460;
    const y = y0 + Math.floor(i / 2) * 22;
    return `<rect x="${x}" y="${y - 11}" width="14" height="14" fill="${it.fill}" stroke="#495057" stroke-width="0.5"/><text x="${x + 22}" y="${y}">${xml(it.text)}</text>`;
  });
  const noteY = y0 + Math.ceil(items.length / 2) * 22 + 6;
  const note =
    `<text x="24" y="${noteY}" fill="${COLOURS.muted}" font-size="11">axis: addresses grow upwards; each block's height grows with the log of its size, ` +
    `linear inside a block; ≈ marks a change of scale; hover a region for its exact range</text>`;
  return `<g id="legend">\n${rows.join('\n')}\n${note}\n</g>`;
}

function f(n: number): string {
  return n.toFixed(1);
}
