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

/** windowLabel names a report's window: i386, x86_64, or "40-bit window (0x10000-0x10000000000)". */
export function windowLabel(r: BenchReport): string {
  if (r.window.text === 'i386' || r.window.text === 'x86_64' || r.window.wraps) return r.window.text;
  return `${BigInt(r.window.upper).toString(2).length - 1}-bit window (${r.window.text})`;
}

/** reservedNothing: no algorithm had anything to reserve (x86_64 on a host whose user space ends at 2^47). */
export function reservedNothing(r: BenchReport): boolean {
  return r.results.every((x) => x.bytes === 0);
}

/** defaultGoal checks the default algorithm against the README: ≤ 30 µs (timed) and ahead of gaps, static and dynamic. */
export function defaultGoal(r: BenchReport, timed: boolean): Goal {
  const known = r.results.filter(isDefault);
  const label = windowLabel(r);
  if (timed && reservedNothing(r)) {
    const medians = known.map((k) => `${us(k.median_ns)} µs`).join(', ');
    return {
      text: `${label}: default (known) ≤ ${GOALS.reservationUs} µs median`,
      measured: `nothing to reserve on this host: ${medians}`,
      met: null,
    };
  }
  const measured = known
    .map((k) => `${k.process} ${timed ? `${us(k.median_ns)} µs, ` : ''}${formatRatio(k.speedup_vs_gaps)} gaps`)
    .join('; ');
  const ahead = known.length > 0 && known.every((k) => (k.speedup_vs_gaps ?? 0) > 1);
  if (!timed) {
    const text = `${label}: default (known) ahead of FEX-style gap-fill, static and dynamic (emulated: ratios only)`;
    return { text, measured, met: ahead };
  }
  const fast = known.every((k) => within(k.median_ns, GOALS.reservationUs * 1000));
  const text = `${label}: default (known) ≤ ${GOALS.reservationUs} µs median, static and dynamic, ahead of FEX-style gap-fill`;
  return { text, measured, met: ahead && fast };
}

/** versusLadder words a speed-up over ladder: "4.42x faster than ladder", "1.43x slower than ladder". */
export function versusLadder(speedup: number | null): string {
  if (speedup === null) return 'ladder not measured';
  return speedup >= 1 ? `${formatRatio(speedup)} faster than ladder` : `${formatRatio(1 / speedup)} slower than ladder`;
}

/** reservationChart draws one window's medians (whisker min–p90), grouped by process kind, with each one's ratio to ladder. */
export function reservationChart(r: BenchReport, where: string, timed: boolean): BarChart {
  const tone = (x: BenchResult): Bar['tone'] => (isDefault(x) ? 'vaoci' : x.algorithm === 'gaps' ? 'contrast' : 'base');
  const groups = (['static', 'dynamic'] as const).map((p) => ({
    name: p === 'static' ? 'fresh static processes (the tool)' : 'fresh dynamic processes (a dynamic true, the preload)',
    bars: r.results
      .filter((x) => x.process === p)
      .map((x) => ({
        label: name(x),
        value: x.median_ns / 1000,
        low: x.min_ns / 1000,
        high: x.p90_ns / 1000,
        note: x.algorithm === 'ladder' ? 'the FEX-2021 baseline' : versusLadder(x.speedup_vs_ladder),
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
  if (timed) chart.goal = { value: GOALS.reservationUs, label: `goal ≤ ${GOALS.reservationUs} µs` };
  return chart;
}

const COLUMNS = ['window', 'algorithm', 'process', 'median µs', 'min µs', 'p90 µs', 'syscalls', 'vs ladder', 'vs gaps', 'failed'];

function resultRow(r: BenchReport, x: BenchResult): string[] {
  const times = [x.median_ns, x.min_ns, x.p90_ns].map(us);
  const ratios = [x.speedup_vs_ladder, x.speedup_vs_gaps].map(formatRatio);
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
    goals: s.reports.map((r) => defaultGoal(r, timed)),
    charts: s.reports.filter((r) => !reservedNothing(r)).map((r) => ({ file: chartFile(id, r), chart: reservationChart(r, where, timed) })),
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

/** growthFigure is the reservation's cost against the number of mappings already there, per algorithm. */
export function growthFigure(s: ReserveSection): Figure {
  const reports = [...s.reports].sort((a, b) => a.mappings - b.mappings);
  const algos = [...new Set(reports.flatMap((r) => r.results.map((x) => x.algorithm)))];
  const cell = (r: BenchReport, a: string): string => {
    const x = r.results.find((y) => y.algorithm === a);
    return x ? `${us(x.median_ns)} (${x.syscalls_median})` : '-';
  };
  const vsGaps = reports.map((r) => `${r.mappings}: ${formatRatio(r.results.find(isDefault)?.speedup_vs_gaps ?? null)}`);
  return {
    id: 'growth',
    title: 'Reservation against the mappings a process already has',
    how: `${s.how}; fresh static processes, ${reports[0]?.runs ?? 0} per row, window ${reports[0]?.window.text ?? '-'}${s.load ? `; ${s.load}` : ''}`,
    columns: ['mappings', ...algos.map((a) => `${a} µs (syscalls)`)],
    rows: reports.map((r) => [String(r.mappings), ...algos.map((a) => cell(r, a))]),
    goals: [
      {
        text: 'none in the README: shown for how the cost grows',
        measured: `known vs gaps, times faster: ${vsGaps.join(', ')}`,
        met: null,
      },
    ],
    charts: [{ file: 'growth.svg', chart: growthChart(reports) }],
    notes: [],
  };
}
