/**
 * `vaoci verify --svg`: the address space classified from maps text (pure,
 * on synthetic maps; and against the tool's own verdict on live processes),
 * the piecewise axis and label placement, and the picture itself parsed as
 * XML: the window rect, reservations, the verdict, written atomically.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { type Region, classify, inWindow, totals, windowSpans } from '../../cli/src/lib/addrspace';
import { writeAtomic } from '../../cli/src/lib/atomic';
import { Failure } from '../../cli/src/lib/errors';
import { SMALL, group, place, stack, yOf } from '../../cli/src/lib/layout';
import { parseMaps, readMaps } from '../../cli/src/lib/maps';
import type { Verify, VerifyReport, Window } from '../../cli/src/lib/reports';
import { renderSvg, shortName, xml } from '../../cli/src/lib/svg';
import { validate } from '../../cli/src/lib/schema';
import { type Json, ensureNative, realReport, startIdle, tempDir, vaoci } from './cli-helpers';

const I386: Window = { text: 'i386', lower: '0x0', upper: '0x100000000', wraps: false };
const GiB = 1n << 30n;
const TOP = 0x7ffffffff000n;

/** A synthetic process: a PIE program, a heap, libraries, a reservation, the stack; an i386 window. */
const MAPS = [
  '00400000-00401000 r--p 00000000 08:01 100 /opt/guest/bin/app',
  '100000000-556000000000 ---p 00000000 00:00 0 ',
  '556000000000-556000002000 r-xp 00000000 08:01 101 /usr/bin/prog',
  '556000002000-556000003000 rw-p 00002000 08:01 101 /usr/bin/prog',
  '556000003000-556000024000 rw-p 00000000 00:00 0 [heap]',
  '7f0000000000-7f0000200000 r-xp 00000000 08:01 102 /usr/lib/x86_64-linux-gnu/libc.so.6',
  '7f0000200000-7f0000210000 rw-p 00200000 08:01 102 /usr/lib/x86_64-linux-gnu/libc.so.6',
  '7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]',
  'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]',
].join('\n');

function verifyOf(over: Partial<Verify> = {}): Verify {
  return {
    pid: 1,
    holds: false,
    floor: '0x1000',
    task_size: `0x${TOP.toString(16)}`,
    reserved: { bytes: 0, regions: 0 },
    mapped: { bytes: 0, regions: 0, list: [] },
    free: { bytes: 0, regions: 0, list: [] },
    stack_keep_bytes: 0x900000,
    coverage: 0,
    ...over,
  };
}

function span(r: Region): string {
  return `${r.kind}:${r.start.toString(16)}-${r.end.toString(16)}`;
}

describe('maps text', () => {
  test('parses start, end, permissions and names (with spaces), ignores blank lines', () => {
    const m = parseMaps(`${MAPS}\n7f1000000000-7f1000001000 r--p 00000000 08:01 9 /tmp/a b (deleted)\n\n`);
    expect(m).toHaveLength(10);
    expect(m[1]).toEqual({ start: 0x100000000n, end: 0x556000000000n, perms: '---p', name: '' });
    expect(m[9].name).toBe('/tmp/a b (deleted)');
  });

  test('a line that is not a mapping fails, naming it', () => {
    expect(() => parseMaps('hello world')).toThrow('maps line 1 `hello world`: expected START-END PERMS OFFSET DEV INODE [NAME]');
  });

  test('the maps of a process that is gone: a Failure naming the file', () => {
    expect(() => readMaps(4194303)).toThrow(/read `\/proc\/4194303\/maps`: ENOENT/);
  });
});

describe('classify: every byte of [0, top) is one kind', () => {
  const regions = classify(parseMaps(MAPS), verifyOf(), I386);

  test('regions tile [0, top) in order, without gaps or overlaps', () => {
    expect(regions[0].start).toBe(0n);
    expect(regions[regions.length - 1].end).toBe(TOP);
    regions.slice(1).forEach((r, i) => expect(r.start).toBe(regions[i].end));
  });

  test('kinds: unmappable floor, the window free, reservations, mappings, free outside, stack kept', () => {
    expect(regions.map(span)).toEqual([
      'unmappable:0-1000',
      'free-inside:1000-400000',
      'mapped:400000-401000',
      'free-inside:401000-100000000',
      'reserved:100000000-556000000000',
      'mapped:556000000000-556000002000',
      'mapped:556000002000-556000003000',
      'mapped:556000003000-556000024000',
      'free-outside:556000024000-7f0000000000',
      'mapped:7f0000000000-7f0000200000',
      'mapped:7f0000200000-7f0000210000',
      'free-outside:7f0000210000-7ffcff700000',
      'stack-keep:7ffcff700000-7ffd00000000',
      'mapped:7ffd00000000-7ffd00021000',
      'free-outside:7ffd00021000-7ffffffff000',
    ]);
    expect(regions.find((r) => r.name === '[heap]')?.perms).toBe('rw-p');
  });

  test('totals add up per kind; the vsyscall page above top is left out', () => {
    const t = totals(regions);
    expect(t.reserved).toEqual({ bytes: 0x556000000000n - 0x100000000n, regions: 1 });
    expect(t['stack-keep'].bytes).toBe(0x900000n);
    expect(Object.values(t).reduce((s, x) => s + x.bytes, 0n)).toBe(TOP);
  });

  test('a mapping across a window bound is split into its inside and outside pieces', () => {
    const r = classify(parseMaps('fff00000-100100000 rw-p 00000000 00:00 0 '), verifyOf({ stack_keep_bytes: 0 }), I386);
    expect(r.filter((x) => x.kind === 'mapped').map((x) => [span(x), x.inWindow])).toEqual([
      ['mapped:fff00000-100000000', true],
      ['mapped:100000000-100100000', false],
    ]);
  });

  test('a wrap-around window: free inside below UPPER and above LOWER, outside between', () => {
    const w: Window = { text: '0x7f0000000000-0x10000000', lower: '0x7f0000000000', upper: '0x10000000', wraps: true };
    const r = classify([], verifyOf({ stack_keep_bytes: 0 }), w);
    expect(r.map(span)).toEqual([
      'unmappable:0-1000',
      'free-inside:1000-10000000',
      'free-outside:10000000-7f0000000000',
      'free-inside:7f0000000000-7ffffffff000',
    ]);
    expect(windowSpans({ lower: 0x7f0000000000n, upper: 0x10000000n, wraps: true }, TOP)).toEqual([
      [0n, 0x10000000n],
      [0x7f0000000000n, TOP],
    ]);
    expect(inWindow({ lower: 0x7f0000000000n, upper: 0x10000000n, wraps: true }, 0x20000000n)).toBe(false);
  });
});

describe('the axis and the labels', () => {
  const regions = classify(parseMaps(MAPS), verifyOf(), I386);
  const blocks = stack(group(regions), 100, 800, 6);

  test('big regions and free space outside the window stand alone; small neighbours share a block', () => {
    for (const b of blocks) {
      if (b.regions.length > 1) for (const r of b.regions) expect(r.end - r.start < SMALL && r.kind !== 'free-outside').toBe(true);
    }
    const program = blocks.find((b) => b.regions.some((r) => r.name === '/usr/bin/prog'));
    expect(program?.regions.map((r) => r.name)).toEqual(['/usr/bin/prog', '/usr/bin/prog', '[heap]']);
  });

  test('blocks fill [top, bottom] upwards in address order; y falls as the address grows', () => {
    expect(blocks[0].y0).toBeCloseTo(800);
    expect(blocks[blocks.length - 1].y1).toBeCloseTo(100);
    const ys = regions.map((r) => yOf(blocks, r.start));
    ys.slice(1).forEach((y, i) => expect(y).toBeLessThanOrEqual(ys[i]));
    const gib4 = yOf(blocks, 4n * GiB);
    expect(gib4).toBeLessThan(800);
    expect(gib4).toBeGreaterThan(100);
  });

  test('labels keep their spacing inside the bounds, nearest their points', () => {
    const wanted = [300, 301, 302, 303, 600].map((y, i) => ({ y, priority: i, item: i }));
    const placed = place(wanted, 100, 800, 15);
    expect(placed.map((p) => p.item)).toEqual([0, 1, 2, 3, 4]);
    placed.slice(1).forEach((p, i) => expect(p.at - placed[i].at).toBeGreaterThanOrEqual(15));
    expect(placed[4].at).toBe(600);
  });

  test('when room runs out, the lowest priority labels are dropped', () => {
    const wanted = Array.from({ length: 20 }, (_, i) => ({ y: 110, priority: i, item: i }));
    const placed = place(wanted, 100, 160, 15);
    expect(placed.map((p) => p.item).sort((a, b) => a - b)).toEqual([15, 16, 17, 18, 19]);
    const near = place(wanted, 100, 800, 15, 40);
    expect(near.every((p) => Math.abs(p.at - p.y) <= 40)).toBe(true);
    expect(near.map((p) => p.item)).toContain(19);
  });

  test('a crowd in one place never costs a label elsewhere', () => {
    const crowd = Array.from({ length: 30 }, (_, i) => ({ y: 700, priority: 10 + i, item: `crowd${i}` }));
    const placed = place([...crowd, { y: 500, priority: 1, item: 'alone' }], 100, 808, 15, 90);
    expect(placed.find((p) => p.item === 'alone')?.at).toBe(500);
    expect(placed.filter((p) => p.item.startsWith('crowd')).length).toBeLessThan(30);
    expect(placed.every((p) => Math.abs(p.at - p.y) <= 90)).toBe(true);
  });
});

/** parseSvg parses SVG text as XML, failing on any warning or error. */
function parseSvg(text: string): Element {
  const problems: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => void problems.push(`${level}: ${msg}`) }).parseFromString(text, 'image/svg+xml');
  expect(problems).toEqual([]);
  return doc.documentElement as Element;
}

function byClass(root: Element, cls: string): Element[] {
  return Array.from(root.getElementsByTagName('rect')).filter((r) => (r.getAttribute('class') ?? '').split(' ').includes(cls));
}

describe('the picture, from synthetic maps', () => {
  const report: VerifyReport = { tool: 'vaoci-reserve', command: 'verify', arch: 'x86_64', ok: false, window: I386, verify: verifyOf() };

  test('well-formed, with names escaped', () => {
    const maps = `${MAPS}\n7f2000000000-7f2000001000 r--p 00000000 08:01 9 /tmp/<a&b>"c".so`;
    const svg = parseSvg(renderSvg({ report, regions: classify(parseMaps(maps), report.verify, I386) }));
    expect(svg.tagName).toBe('svg');
    expect(Array.from(svg.getElementsByTagName('title')).some((t) => t.textContent?.includes('/tmp/<a&b>"c".so'))).toBe(true);
    expect(xml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;');
    expect(shortName('/usr/lib/libc.so.6')).toBe('libc.so.6');
    expect(shortName('')).toBe('anonymous');
  });

  test('two window rects for a wrap-around window', () => {
    const w: Window = { text: '0x7f0000000000-0x10000000', lower: '0x7f0000000000', upper: '0x10000000', wraps: true };
    const rep = { ...report, window: w };
    const svg = parseSvg(renderSvg({ report: rep, regions: classify(parseMaps(MAPS), rep.verify, w) }));
    expect(byClass(svg, 'window').map((r) => [r.getAttribute('data-start'), r.getAttribute('data-end')])).toEqual([
      ['0x0', '0x10000000'],
      ['0x7f0000000000', '0x7ffffffff000'],
    ]);
  });
});

describe('vaoci verify --svg on live processes', () => {
  let reserved: ChildProcess;
  let bare: ChildProcess;
  let dir: string;

  beforeAll(async () => {
    ensureNative();
    reserved = await startIdle('i386');
    bare = await startIdle();
    dir = tempDir('svg');
  }, 300_000);

  afterAll(() => {
    reserved?.kill();
    bare?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the classification agrees with the tool’s verdict, byte for byte', () => {
    for (const [p, holds] of [
      [reserved, true],
      [bare, false],
    ] as const) {
      const rep = realReport(['verify', '--pid', String(p.pid), '--va-limit', 'i386']) as VerifyReport;
      const t = totals(classify(readMaps(p.pid as number), rep.verify, rep.window).filter((r) => !r.inWindow));
      expect(rep.verify.holds).toBe(holds);
      expect(t['free-outside'].bytes).toBe(BigInt(rep.verify.free.bytes));
      expect(t.reserved.bytes).toBe(BigInt(rep.verify.reserved.bytes));
      expect(t.mapped.bytes).toBe(BigInt(rep.verify.mapped.bytes));
      expect(t['stack-keep'].bytes).toBe(BigInt(rep.verify.stack_keep_bytes));
    }
  });

  test('a reserved process: the window rect, reservations, HOLDS; the path in --json', async () => {
    const file = path.join(dir, 'held.svg');
    const r = await vaoci(['verify', '--pid', String(reserved.pid), '--va-limit', 'i386', '--svg', file, '--json']);
    expect(r.exit).toBe(0);
    expect(r.json?.svg).toBe(file);
    expect(validate('cli-verify', r.json)).toEqual([]);
    const svg = parseSvg(fs.readFileSync(file, 'utf8'));
    const win = svg.getElementsByTagName('rect');
    const window = Array.from(win).find((e) => e.getAttribute('id') === 'window') as Element;
    expect(window.getAttribute('class')).toBe('window');
    expect([window.getAttribute('data-start'), window.getAttribute('data-end')]).toEqual(['0x0', '0x100000000']);
    expect(Number(window.getAttribute('height'))).toBeGreaterThan(10);
    const reservations = byClass(svg, 'reservation');
    expect(reservations.length).toBeGreaterThanOrEqual(1);
    expect(reservations.every((e) => e.getAttribute('fill') === 'url(#hatch)')).toBe(true);
    expect(byClass(svg, 'free-outside')).toEqual([]);
    const verdict = Array.from(svg.getElementsByTagName('text')).find((t) => t.getAttribute('id') === 'verdict');
    expect(verdict?.textContent).toMatch(/^HOLDS/);
    const labels = Array.from(svg.getElementsByTagName('text')).map((t) => t.textContent ?? '');
    expect(labels.some((l) => /^cat · /.test(l))).toBe(true);
    expect(labels.some((l) => /^\[stack\] · /.test(l))).toBe(true);
  });

  test('a process without a reservation: free gaps outside the window in red, DOES NOT HOLD, exit 1', async () => {
    const file = path.join(dir, 'bare.svg');
    const r = await vaoci(['verify', '--pid', String(bare.pid), '--va-limit', 'i386', '--svg', file]);
    expect(r.exit).toBe(1);
    expect(r.stdout).toContain(`picture: ${file}`);
    const svg = parseSvg(fs.readFileSync(file, 'utf8'));
    const free = byClass(svg, 'free-outside');
    expect(free.length).toBeGreaterThanOrEqual(1);
    expect(free.every((e) => e.getAttribute('fill') === '#e03131')).toBe(true);
    expect(byClass(svg, 'reservation')).toEqual([]);
    const verdict = Array.from(svg.getElementsByTagName('text')).find((t) => t.getAttribute('id') === 'verdict');
    expect(verdict?.textContent).toMatch(/^DOES NOT HOLD — [\d.]+ TiB free outside the window in \d+ gaps$/);
  });

  test('written atomically: an old file is replaced whole, no temporary left behind', async () => {
    const file = path.join(dir, 'again.svg');
    fs.writeFileSync(file, 'old');
    const r = await vaoci(['verify', '--pid', String(reserved.pid), '--va-limit', 'i386', '--svg', file]);
    expect(r.exit).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^<\?xml/);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('writeAtomic that cannot write: a Failure naming the file, nothing left behind', () => {
    const where = path.join(dir, 'no', 'such', 'dir', 'x.svg');
    expect(() => writeAtomic(where, 'x')).toThrow(Failure);
    expect(() => writeAtomic(where, 'x')).toThrow(`write \`${where}\`: ENOENT`);
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(path.join(sub, 'x.svg'), { recursive: true });
    expect(() => writeAtomic(path.join(sub, 'x.svg'), 'x')).toThrow(/EISDIR/);
    expect(fs.readdirSync(sub)).toEqual(['x.svg']);
  });

  test('--json without --svg has svg null; the document validates', async () => {
    const r = await vaoci(['verify', '--pid', String(reserved.pid), '--va-limit', 'i386', '--json']);
    expect((r.json as Json).svg).toBeNull();
  });
});
