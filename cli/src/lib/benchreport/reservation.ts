/**
 * The reservation's figures: every algorithm per window (here and in the
 * arm64 VM) from vaoci-reserve bench reports, and how the cost grows with
 * the mappings a process already has (bench --mappings).
 */
import { formatRatio } from '../format';
import type { BenchReport, BenchResult } from '../reports';
import { GOALS, within } from './goals';
import type { Bar, BarChart, Figure, Goal, LineChart, ReserveSection } from './types';

const us = (ns: number): string => (ns / 1000).toFixed(1);
const isDefault = (r: BenchResult): boolean => r.algorithm === 'known';
const name = (r: BenchResult): string => r.algorithm + (isDefault(r) ? ' (default)' : '');

/** windowLabel names a report's window: i386, x86_64, "40-bit window (0x10000-0x10000000000)" or "wrap-around window (…)". */
export function windowLabel(r: BenchReport): string {
  if (r.window.text === 'i386' || r.window.text === 'x86_64') return r.window.text;
  if (r.window.wraps) return `wrap-around window (${r.window.text})`;
  return `${BigInt(r.window.upper).toString(2).length - 1}-bit window (${r.window.text})`;
}

/** reservedNothing: no algorithm had anything to reserve (x86_64 on a host whose user space ends at 2^47). */
export function reservedNothing(r: BenchReport): boolean {
  return r.results.every((x) => x.bytes === 0);
}

/** knownRows: the default algorithm's rows, static then dynamic as measured. */
const knownRows = (r: BenchReport): BenchResult[] => r.results.filter(isDefault);

/** defaultGoal (emulated, ratios only): the default ahead of FEX-style gap-fill, static and dynamic. */
export function defaultGoal(r: BenchReport): Goal {
  const known = knownRows(r);
  return {
    text: `${windowLabel(r)}: default (known) ahead of FEX-style gap-fill, static and dynamic (emulated: ratios only)`,
    measured: known.map((k) => `${k.process} ${formatRatio(k.speedup_vs_gaps)} gaps`).join('; '),
    met: known.length > 0 && known.every((k) => (k.speedup_vs_gaps ?? 0) > 1),
  };
}

/** floorGoal: the default within GOALS.floorRatio times the floor (only the final mmaps), static and dynamic. */
export function floorGoal(r: BenchReport): Goal {
  const known = knownRows(r);
  const text = `${windowLabel(r)}: default (known) within ${GOALS.floorRatio}x the floor, static and dynamic`;
  const floor = (k: BenchResult): string => {
    const f = r.results.find((x) => x.algorithm === 'floor' && x.process === k.process);
    return f ? `${us(k.median_ns)} vs ${us(f.median_ns)} µs` : 'no floor row';
  };
  const measured = known.map((k) => `${k.process} ${formatRatio(k.times_floor ?? null)} (${floor(k)})`).join('; ');
  if (known.length === 0 || known.some((k) => k.times_floor === null || k.times_floor === undefined))
    return { text, measured: measured || 'no default rows', met: null };
  return { text, measured, met: known.every((k) => within(k.times_floor ?? Infinity, GOALS.floorRatio)) };
}

/** gapsGoal: the default at least GOALS.gapsSpeedup times faster than FEX-style gap-fill, static and dynamic. */
export function gapsGoal(r: BenchReport): Goal {
  const known = knownRows(r);
  return {
    text: `${windowLabel(r)}: default (known) ≥ ${GOALS.gapsSpeedup}x faster than FEX-style gap-fill, static and dynamic`,
    measured: known.map((k) => `${k.process} ${formatRatio(k.speedup_vs_gaps)}`).join('; ') || 'no default rows',
    met: known.length > 0 && known.every((k) => (k.speedup_vs_gaps ?? 0) * (1 + 1e-9) >= GOALS.gapsSpeedup),
  };
}

/** reservationGoals: here (timed) the floor and gap-fill goals per window; in the emulated VM, ahead of gaps. */
export function reservationGoals(r: BenchReport, timed: boolean): Goal[] {
  if (!timed) return [defaultGoal(r)];
  if (reservedNothing(r)) {
    const medians = knownRows(r)
      .map((k) => `${us(k.median_ns)} µs`)
      .join(', ');
    return [
      {
        text: `${windowLabel(r)}: default (known) against the floor and gap-fill`,
        measured: `nothing to reserve on this host: ${medians}`,
        met: null,
      },
    ];
  }
  return [floorGoal(r), gapsGoal(r)];
}

/** versusLadder words a speed-up over ladder: "4.42x faster than ladder", "1.43x slower than ladder". */
export function versusLadder(speedup: number | null): string {
  if (speedup === null) return 'ladder not measured';
  return speedup >= 1 ? `${formatRatio(speedup)} faster than ladder` : `${formatRatio(1 / speedup)} slower than ladder`;
}

/** reservationChart draws one window's medians (whisker min–p90), grouped by process kind, with each one's ratio to ladder. */
export function reservationChart(r: BenchReport, where: string): BarChart {
  const tone = (x: BenchResult): Bar['tone'] => (isDefault(x) ? 'vaoci' : x.algorithm === 'gaps' ? 'contrast' : 'base');
  const note = (x: BenchResult): string =>
    x.algorithm === 'ladder'
      ? 'the FEX-2021 baseline'
      : x.algorithm === 'floor'
        ? 'only the final mmaps'
        : versusLadder(x.speedup_vs_ladder);
  const groups = (['static', 'dynamic'] as const).map((p) => ({
    name: p === 'static' ? 'fresh static processes (the tool)' : 'fresh dynamic processes (a dynamic true, the preload)',
    bars: r.results
      .filter((x) => x.process === p)
      .map((x) => ({
        label: name(x),
        value: x.median_ns / 1000,
        low: x.min_ns / 1000,
        high: x.p90_ns / 1000,
        note: note(x),
        tone: tone(x),
      })),
  }));
  const chart: BarChart = {
    kind: 'bar',
    title: `Reservation, ${windowLabel(r)}, ${where}`,
    unit: 'µs',
    caption: 'median µs, whisker min–p90',
    groups: groups.filter((g) => g.bars.length),
    legend: { vaoci: "vaoci's default", contrast: 'FEX-style gap-fill (FEX today)', base: 'the others' },
  };
  return chart;
}

const COLUMNS = [
  'window',
  'algorithm',
  'process',
  'median µs',
  'min µs',
  'p90 µs',
  'syscalls',
  'vs ladder',
  'vs gaps',
  'x floor',
  'failed',
];

function resultRow(r: BenchReport, x: BenchResult): string[] {
  const times = [x.median_ns, x.min_ns, x.p90_ns].map(us);
  const ratios = [x.speedup_vs_ladder, x.speedup_vs_gaps, x.times_floor ?? null].map(formatRatio);
  return [windowLabel(r), name(x), x.process, ...times, String(x.syscalls_median), ...ratios, String(x.failed)];
}

/** chartFile names a window's plot: reservation-i386.svg, arm64-x86_64.svg. */
function chartFile(id: string, r: BenchReport): string {
  return `${id}-${r.window.text.replace(/[^A-Za-z0-9_]+/g, '-')}.svg`;
}

/** reservationFigure is every window × algorithm × process kind; `timed` is false in the emulated VM, where only ratios count. */
export function reservationFigure(s: ReserveSection, id: string, where: string, timed: boolean): Figure {
  const probe = s.probe ? ` (kernel ${s.probe.kernel}, ${s.probe.va_bits}-bit VA)` : '';
  return {
    id,
    title: `Reservation, ${where}${probe}`,
    how: `${s.how}; ${s.reports[0]?.runs ?? 0} fresh processes per row${s.load ? `; ${s.load}` : ''}`,
    columns: COLUMNS,
    rows: s.reports.flatMap((r) => r.results.map((x) => resultRow(r, x))),
    goals: s.reports.flatMap((r) => reservationGoals(r, timed)),
    charts: s.reports.filter((r) => !reservedNothing(r)).map((r) => ({ file: chartFile(id, r), chart: reservationChart(r, where) })),
    notes: s.reports
      .filter(reservedNothing)
      .map((r) => `${windowLabel(r)}: nothing outside the window on this host (user space ends below it), so every algorithm only probes.`),
  };
}

/** growthChart plots each algorithm's median against the mappings made first, log-log. */
export function growthChart(reports: BenchReport[]): LineChart {
  const algos = [...new Set(reports.flatMap((r) => r.results.map((x) => x.algorithm)))];
  return {
    kind: 'line',
    title: `Reservation (${reports[0]?.window.text ?? ''}) in a process that already has N mappings`,
    xLabel: 'mappings made before reserving',
    yLabel: 'median µs',
    series: algos.map((a) => ({
      name: a + (a === 'known' ? ' (default)' : ''),
      points: reports.flatMap((r) =>
        r.results.filter((x) => x.algorithm === a).map((x): [number, number] => [r.mappings, x.median_ns / 1000]),
      ),
    })),
  };
}

/** growthGoals: the default never slower than gap-fill at any count, and no slower than halving at GOALS.growthVsHalvingAt. */
export function growthGoals(reports: BenchReport[]): Goal[] {
  const median = (r: BenchReport, a: string): number | undefined => r.results.find((x) => x.algorithm === a)?.median_ns;
  const ratio = (r: BenchReport, a: string): number | null => {
    const base = median(r, a);
    const known = median(r, 'known');
    return base !== undefined && known ? base / known : null;
  };
  const vsGaps = reports.map((r) => ({ n: r.mappings, x: ratio(r, 'gaps') }));
  const last = reports.find((r) => r.mappings === GOALS.growthVsHalvingAt);
  const vsHalving = last ? ratio(last, 'halving') : null;
  const fast = (x: number | null, goal: number): boolean => x !== null && x * (1 + 1e-9) >= goal;
  return [
    {
      text: `default (known) never slower than FEX-style gap-fill, at ${reports.map((r) => r.mappings).join(', ')} mappings`,
      measured: `times faster than gaps: ${vsGaps.map((g) => `${g.n}: ${formatRatio(g.x)}`).join(', ')}`,
      met: vsGaps.length > 0 && vsGaps.every((g) => fast(g.x, GOALS.growthVsGaps)),
    },
    {
      text: `default (known) no slower than halving at ${GOALS.growthVsHalvingAt} mappings`,
      measured: vsHalving !== null ? `${formatRatio(vsHalving)} halving` : `not measured at ${GOALS.growthVsHalvingAt}`,
      met: vsHalving !== null ? fast(vsHalving, 1) : null,
    },
  ];
}

/** growthFigure is the reservation's cost against the number of mappings already there, per algorithm. */
export function growthFigure(s: ReserveSection): Figure {
  const reports = [...s.reports].sort((a, b) => a.mappings - b.mappings);
  const algos = [...new Set(reports.flatMap((r) => r.results.map((x) => x.algorithm)))];
  const cell = (r: BenchReport, a: string): string => {
    const x = r.results.find((y) => y.algorithm === a);
    return x ? `${us(x.median_ns)} (${x.syscalls_median})` : '-';
  };
  return {
    id: 'growth',
    title: 'Reservation against the mappings a process already has',
    how: `${s.how}; fresh static processes, ${reports[0]?.runs ?? 0} per row, window ${reports[0]?.window.text ?? '-'}${s.load ? `; ${s.load}` : ''}`,
    columns: ['mappings', ...algos.map((a) => `${a} µs (syscalls)`)],
    rows: reports.map((r) => [String(r.mappings), ...algos.map((a) => cell(r, a))]),
    goals: growthGoals(reports),
    charts: [{ file: 'growth.svg', chart: growthChart(reports) }],
    notes: [],
  };
}
