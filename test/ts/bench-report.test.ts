/**
 * `make bench`'s report (cli/src/lib/benchreport), on synthetic sections:
 * the summaries of hyperfine runs, the axes, each goal's verdict on either
 * side of its line, the growth figure, the Markdown, and the SVG plots
 * parsed as XML. No timing here: the figures are given, not measured.
 */
import { DOMParser, type Element } from '@xmldom/xmldom';
import { linearTicks, logTicks, tickText } from '../../cli/src/lib/benchreport/axis';
import { barChartSvg } from '../../cli/src/lib/benchreport/barchart';
import { type HyperfineGroup, type Sections, buildReport, figures } from '../../cli/src/lib/benchreport';
import { logScale } from '../../cli/src/lib/benchreport/linechart';
import { cell, markdownTable } from '../../cli/src/lib/benchreport/markdown';
import {
  defaultGoal,
  floorGoal,
  gapsGoal,
  growthGoals,
  reservationGoals,
  versusLadder,
  windowLabel,
} from '../../cli/src/lib/benchreport/reservation';
import { quantile, summarize } from '../../cli/src/lib/benchreport/stats';
import { amount, MS, US, versus } from '../../cli/src/lib/benchreport/timing';
import type { BenchReport, BenchResult } from '../../cli/src/lib/reports';
import { benchResult } from './bench-fixtures';

const I386 = { text: 'i386', lower: '0x0', upper: '0x100000000', wraps: false };
const BITS40 = { text: '0x10000-0x10000000000', lower: '0x10000', upper: '0x10000000000', wraps: false };

/** result is one bench row: median in µs, ratios to ladder and gaps. */
function result(
  algorithm: BenchResult['algorithm'],
  process: BenchResult['process'],
  medianUs: number,
  vsGaps: number | null,
  bytes = 1 << 30,
  timesFloor: number | null = null,
): BenchResult {
  return benchResult(algorithm, process, medianUs * 1000, { speedup_vs_gaps: vsGaps, bytes, times_floor: timesFloor });
}

function report(window: BenchReport['window'], results: BenchResult[], mappings = 0): BenchReport {
  return { tool: 'vaoci-reserve', command: 'bench', arch: 'x86_64', ok: true, window, runs: 10, mappings, results };
}

/** group makes a hyperfine group: each row's runs in seconds, split over two rounds. */
function group(name: string, rows: Record<string, number[]>): HyperfineGroup {
  const results = Object.entries(rows).flatMap(([command, t]) => [
    { command, times: t.slice(0, Math.ceil(t.length / 2)) },
    { command, times: t.slice(Math.ceil(t.length / 2)) },
  ]);
  return { name, rows: Object.keys(rows), results };
}

/** parseSvg parses SVG text as XML, failing on any warning or error. */
function parseSvg(text: string): Element {
  const problems: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => void problems.push(`${level}: ${msg}`) }).parseFromString(text, 'image/svg+xml');
  expect(problems).toEqual([]);
  return doc.documentElement as Element;
}

describe('summaries and axes', () => {
  test('quantile interpolates between ranks; none is NaN', () => {
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });

  test('summarize pools every round of a row, keeps the group order, leaves out a row with no runs', () => {
    const g = group('g', { b: [0.004, 0.002], a: [0.001, 0.003, 0.002] });
    g.rows.push('never ran');
    expect(summarize(g)).toEqual([
      { name: 'b', runs: 2, median: 0.003, q1: 0.0025, q3: 0.0035, min: 0.002 },
      { name: 'a', runs: 3, median: 0.002, q1: 0.0015, q3: 0.0025, min: 0.001 },
    ]);
  });

  test.each([
    { max: 770, ticks: [0, 200, 400, 600, 800] },
    { max: 30, ticks: [0, 10, 20, 30] },
    { max: 0.7, ticks: [0, 0.2, 0.4, 0.6, 0.8] },
    { max: 0, ticks: [0, 1] },
  ])('linear ticks up to $max: $ticks', ({ max, ticks }) => {
    expect(linearTicks(max)).toEqual(ticks);
  });

  test('log ticks cover the range in powers of ten; a log scale puts them evenly', () => {
    expect(logTicks(10, 10000)).toEqual([10, 100, 1000, 10000]);
    expect(logTicks(43.6, 9812)).toEqual([10, 100, 1000, 10000]);
    expect(logTicks(5, 5)).toEqual([1, 10]);
    const x = logScale(10, 10000, 0, 300);
    expect([10, 100, 1000, 10000].map(x)).toEqual([0, 100, 200, 300]);
    expect(tickText(0.1 + 0.2)).toBe('0.3');
  });

  test('times print with their unit and against the baseline', () => {
    const base = { name: 'bare', runs: 1, median: 0.0089, q1: 0, q3: 0, min: 0 };
    const slower = { ...base, name: 'w', median: 0.01 };
    const faster = { ...base, name: 'f', median: 0.0085 };
    expect(amount(0.0089, MS)).toBe('8.90');
    expect(amount(0.000601, US)).toBe('601');
    expect(versus(slower, base, MS)).toBe('+1.10 ms, 1.12x');
    expect(versus(faster, base, MS)).toBe('−0.40 ms, 0.96x');
    expect(versus(base, base, MS)).toBe('baseline');
  });
});

describe('goals: met or not met on either side of the line', () => {
  const fast = report(I386, [
    result('known', 'static', 24.3, 1.84),
    result('known', 'dynamic', 30.0, 1.93),
    result('gaps', 'static', 44.7, 1),
  ]);
  const slow = report(I386, [result('known', 'static', 24.3, 1.84), result('known', 'dynamic', 30.1, 1.93)]);
  const behind = report(I386, [result('known', 'static', 24.3, 0.95), result('known', 'dynamic', 29, 1.2)]);

  const G = 1 << 30;
  const near = report(I386, [
    result('known', 'static', 12, 3.2, G, 1.9),
    result('known', 'dynamic', 14, 3.5, G, 2),
    result('floor', 'static', 6.3, 7, G, 1),
    result('floor', 'dynamic', 7, 8, G, 1),
  ]);
  const far = report(I386, [result('known', 'static', 24, 2.3, G, 3.1), result('known', 'dynamic', 14, 3.5, G, 1.5)]);

  test('reservation: within 2x the floor, static and dynamic', () => {
    expect(floorGoal(near)).toEqual({
      text: 'i386: default (known) within 2x the floor, static and dynamic',
      measured: 'static 1.90x (12.0 vs 6.3 µs); dynamic 2.00x (14.0 vs 7.0 µs)',
      met: true,
    });
    expect(floorGoal(far)).toMatchObject({ measured: 'static 3.10x (no floor row); dynamic 1.50x (no floor row)', met: false });
    expect(floorGoal(fast)).toMatchObject({ met: null });
  });

  test('reservation: at least 3x faster than gap-fill, static and dynamic', () => {
    expect(gapsGoal(near)).toEqual({
      text: 'i386: default (known) ≥ 3x faster than FEX-style gap-fill, static and dynamic',
      measured: 'static 3.20x; dynamic 3.50x',
      met: true,
    });
    expect(gapsGoal(far).met).toBe(false);
    expect(gapsGoal(fast).met).toBe(false);
    expect(reservationGoals(near, true).map((g) => g.met)).toEqual([true, true]);
  });

  test('reservation in the emulated VM: only ahead of gaps counts', () => {
    expect(defaultGoal(slow)).toMatchObject({ measured: 'static 1.84x gaps; dynamic 1.93x gaps', met: true });
    expect(defaultGoal(behind).met).toBe(false);
    expect(reservationGoals(behind, false)).toEqual([defaultGoal(behind)]);
  });

  test('reservation with nothing to reserve: n/a, not met', () => {
    const empty = report({ text: 'x86_64', lower: '0x0', upper: '0x800000000000', wraps: false }, [result('known', 'static', 5.6, 1, 0)]);
    expect(reservationGoals(empty, true)).toEqual([
      expect.objectContaining({ met: null, measured: 'nothing to reserve on this host: 5.6 µs' }),
    ]);
  });

  test('growth: never slower than gaps at any count, no slower than halving at 10 000', () => {
    const at = (n: number, known: number, gaps: number, halving: number): BenchReport =>
      report(
        I386,
        [result('known', 'static', known, null), result('gaps', 'static', gaps, null), result('halving', 'static', halving, null)],
        n,
      );
    const good = [at(10, 10, 20, 50), at(100, 12, 24, 50), at(1000, 20, 60, 50), at(10000, 100, 400, 120)];
    expect(growthGoals(good)).toEqual([
      {
        text: 'default (known) never slower than FEX-style gap-fill, at 10, 100, 1000, 10000 mappings',
        measured: 'times faster than gaps: 10: 2.00x, 100: 2.00x, 1000: 3.00x, 10000: 4.00x',
        met: true,
      },
      { text: 'default (known) no slower than halving at 10000 mappings', measured: '1.20x halving', met: true },
    ]);
    const bad = [at(10, 10, 20, 50), at(100, 40, 24, 50), at(10000, 200, 400, 120)];
    expect(growthGoals(bad).map((g) => g.met)).toEqual([false, false]);
    expect(growthGoals(good.slice(0, 3))[1]).toMatchObject({ met: null, measured: 'not measured at 10000' });
  });

  test('window labels and words against ladder', () => {
    expect(windowLabel(report(BITS40, []))).toBe('40-bit window (0x10000-0x10000000000)');
    expect(windowLabel(fast)).toBe('i386');
    expect(versusLadder(4.42)).toBe('4.42x faster than ladder');
    expect(versusLadder(0.7)).toBe('1.43x slower than ladder');
    expect(versusLadder(null)).toBe('ladder not measured');
  });

  const verdicts = (s: Sections) => figures(s).flatMap((f) => f.goals.map((g) => [g.text, g.met]));
  const timing = (g: HyperfineGroup) => ({ how: 'h', load: 'l', groups: [g] });

  test.each([
    { withVaoci: 1.15e-3, met: true },
    { withVaoci: 1.16e-3, met: false },
  ])('per process: preload at $withVaoci s against 1 ms: met $met (1.15x)', ({ withVaoci, met }) => {
    const s = { process: timing(group('/bin/true', { '/bin/true': [1e-3], '/bin/true, preload': [withVaoci] })) };
    expect(verdicts(s)).toEqual([['/bin/true: with vaoci ≤ 1.15x per process', met]]);
  });

  test.each([
    { launched: 1.2e-3, met: true },
    { launched: 1.21e-3, met: false },
  ])('per process: a vaoci-launch group at $launched s against 1 ms: met $met (1.2x)', ({ launched, met }) => {
    const name = 'busybox true (busybox-static): vaoci-launch';
    const s = { process: timing(group(name, { 'busybox-static true': [1e-3], 'busybox-static true, vaoci-launch': [launched] })) };
    expect(verdicts(s)).toEqual([[`${name}: with vaoci ≤ 1.2x per process`, met]]);
  });

  test.each([
    { hooks: 0.0105, met: true },
    { hooks: 0.01051, met: false },
  ])('per container: wrapper+hooks at $hooks s against 9 ms bare: met $met', ({ hooks, met }) => {
    const rows = { bare: [0.009], wrapper: [0.0095], 'wrapper+hooks': [hooks], prepared: [0.0099], 'prepared, node hook': [0.08] };
    const [f] = figures({ container: timing(group('crun 1.8.1', rows)) });
    expect(f.goals.map((g) => [g.text, g.met])).toEqual([['crun 1.8.1: wrapper + hooks ≤ +1.5 ms over bare', met]]);
    expect(f.notes).toEqual([
      "crun 1.8.1: the hook's job in Node.js instead of vaoci-hook costs +70.1 ms, 8.08x against the native row (prepared).",
    ]);
  });

  test.each([
    { version: 0.15, met: true },
    { version: 0.1501, met: false },
  ])('CLI: --version at $version s: met $met', ({ version, met }) => {
    const s = { cli: timing(group('vaoci CLI start-up', { 'node -e 0': [0.06], 'bin/vaoci --version': [version] })) };
    expect(verdicts(s)[0]).toEqual(['`bin/vaoci --version` ≤ 150 ms', met]);
  });

  test.each([
    { validate: 0.045, met: true },
    { validate: 0.0451, met: false },
  ])('CLI: each command within 1.5x node -e 0 of the same runs: $validate s against 30 ms, met $met', ({ validate, met }) => {
    const s = { cli: timing(group('cli', { 'node -e 0': [0.03], 'bin/vaoci --version': [0.032], 'bin/vaoci validate': [validate] })) };
    expect(verdicts(s).slice(1)).toEqual([
      ['`bin/vaoci --version` ≤ 1.5x `node -e 0`', true],
      ['`bin/vaoci validate` ≤ 1.5x `node -e 0`', met],
    ]);
  });

  test.each([
    { reference: 0.03, doubt: false },
    { reference: 0.0241, doubt: false }, // 30 ms is 1.245x of it: inside 1.25x
    { reference: 0.0239, doubt: true }, // 1.255x: the section ran on a slower machine
    { reference: 0.0376, doubt: true }, // 0.798x: on a faster one
  ])('CLI: a baseline $reference s at the start against 30 ms in the section: ratios in doubt $doubt', ({ reference, doubt }) => {
    const s = { cli: timing(group('cli', { 'node -e 0': [0.03], 'bin/vaoci ps': [0.033] })) };
    const machine = { date: 'd', host: 'h', kernel: 'k', cpu: 'c', cpus: 2, load_start: '1', load_end: '1', seconds: {}, failed: [] };
    const goals = figures(s, { ...machine, reference: { command: 'node -e 0', median: reference, runs: 30 } })[0].goals;
    const ratio = goals.find((g) => g.text.startsWith('`bin/vaoci ps` ≤ 1.5x'));
    expect(ratio?.met).toBe(true);
    expect(ratio?.doubt !== undefined).toBe(doubt);
    expect(goals.find((g) => g.text.includes('150 ms'))?.doubt).toBeUndefined();
    const { markdown } = buildReport(s, { ...machine, reference: { command: 'node -e 0', median: reference, runs: 30 } });
    expect(markdown).toContain(`before any section: ${(reference * 1e3).toFixed(1)} ms (median of 30)`);
    if (doubt)
      expect(markdown).toMatch(
        /\| met, in doubt: `node -e 0` took 30\.0 ms here against \d+\.\d ms at the start of the run \(\d\.\d\dx\) \|/,
      );
    else expect(markdown).toContain('| CLI start-up | `bin/vaoci ps` ≤ 1.5x `node -e 0` | 1.10x (30.0 → 33.0 ms) | met |');
  });

  test('launch: the i386 row is the one held to the goal', () => {
    const rows = { direct: [1e-3], 'launched, no window': [2e-3], 'launched, i386': [1.2e-3] };
    expect(verdicts({ launch: timing(group('true-glibc', rows)) })).toEqual([
      ['true-glibc: launched with the i386 window ≤ 1.2x per process', true],
    ]);
  });
});

describe('the report', () => {
  const growth = [10000, 10, 1000, 100].map((n) =>
    report(I386, [result('known', 'static', n * 0.8, n > 10 ? 0.7 : 1.4), result('gaps', 'static', n * 0.5 + 40, 1)], n),
  );
  const sections: Sections = {
    reservation: {
      how: 'h',
      load: 'l',
      reports: [report(I386, [result('known', 'static', 24, 1.8), result('known', 'dynamic', 31, 1.9)])],
    },
    growth: { how: 'h', reports: growth },
    cli: { how: 'h', load: 'l', groups: [group('cli', { 'node -e 0': [0.06], 'bin/vaoci --version': [0.064] })] },
  };

  test('growth: sorted by mappings, one series per algorithm, the growth goals', () => {
    const f = figures({ growth: sections.growth })[0];
    expect(f.rows.map((r) => r[0])).toEqual(['10', '100', '1000', '10000']);
    expect(f.columns).toEqual(['mappings', 'known µs (syscalls)', 'gaps µs (syscalls)']);
    expect(f.goals).toEqual([
      {
        text: 'default (known) never slower than FEX-style gap-fill, at 10, 100, 1000, 10000 mappings',
        measured: 'times faster than gaps: 10: 5.63x, 100: 1.13x, 1000: 0.68x, 10000: 0.63x',
        met: false,
      },
      { text: 'default (known) no slower than halving at 10000 mappings', measured: 'not measured at 10000', met: null },
    ]);
    const chart = f.charts[0].chart;
    expect(chart.kind === 'line' && chart.series.map((s) => [s.name, s.points.map((p) => p[0])])).toEqual([
      ['known (default)', [10, 100, 1000, 10000]],
      ['gaps', [10, 100, 1000, 10000]],
    ]);
  });

  test('Markdown: every goal in one table with its verdict; cells escaped', () => {
    const { markdown } = buildReport(sections);
    expect(markdown).toContain(
      '| Reservation, here | i386: default (known) ≥ 3x faster than FEX-style gap-fill, static and dynamic | static 1.80x; dynamic 1.90x | not met |',
    );
    expect(markdown).toContain('| CLI start-up | `bin/vaoci --version` ≤ 150 ms | 64.0 ms median | met |');
    expect(markdown).toContain('![Reservation (i386) in a process that already has N mappings](growth.svg)');
    expect(cell('a|b\nc')).toBe('a\\|b c');
    expect(markdownTable(['x', 'y'], [['1', '2']])).toBe('| x | y |\n| --- | --- |\n| 1 | 2 |');
  });

  test('SVG plots: one per chart, well-formed, the goal line and names escaped', () => {
    const { svgs } = buildReport(sections);
    expect(Object.keys(svgs).sort()).toEqual(['cli.svg', 'growth.svg', 'reservation-i386.svg']);
    for (const text of Object.values(svgs)) expect(parseSvg(text).tagName).toBe('svg');
    const growthSvg = parseSvg(svgs['growth.svg']);
    expect(growthSvg.getElementsByTagName('polyline')).toHaveLength(2);
    expect(growthSvg.getElementsByTagName('circle')).toHaveLength(8);
    const bars = parseSvg(
      barChartSvg({
        kind: 'bar',
        title: 'a <b> & c',
        unit: 'ms',
        caption: 'median',
        legend: { base: 'x' },
        groups: [{ name: 'g', bars: [{ label: '<row>', value: 2, tone: 'base' }] }],
        goal: { value: 3, label: 'goal ≤ 3 ms' },
      }),
    );
    const texts = Array.from(bars.getElementsByTagName('text')).map((t) => t.textContent);
    expect(texts).toEqual(expect.arrayContaining(['a <b> & c', '<row>', 'goal ≤ 3 ms', '2.00 ms']));
    expect(Array.from(bars.getElementsByTagName('line')).filter((l) => l.getAttribute('class') === 'goal')).toHaveLength(1);
  });
});
