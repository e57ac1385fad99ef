/**
 * The arm64 section's figures: the reservation in the emulated arm64 VM, one
 * figure per kernel of the test matrix (test/arm64/bench.sh boots each one),
 * each held to the README's arm64 goal: the default at least
 * GOALS.arm64VsGaps times faster than FEX-style gap-fill, static and dynamic;
 * and beside it, per kernel, the binfmt rows (./binfmt).
 * Under TCG only the ratios between rows count, never the times.
 */
import { formatMicros, formatRatio } from '../format';
import type { BenchReport, BenchResult, ProbeReport } from '../reports';
import { binfmtFigure } from './binfmt';
import { GOALS, within } from './goals';
import { reservationFigure, reservedNothing, windowLabel } from './reservation';
import type { Arm64Kernel, Arm64Section, Figure, Goal } from './types';

const PROCESSES = ['static', 'dynamic'] as const;

/** arm64Kernels reads either shape: one entry per kernel, or an older file's single kernel (named by its probe). */
export function arm64Kernels(s: Arm64Section): Arm64Kernel[] {
  if ('kernels' in s) return s.kernels;
  return [{ kernel: s.probe?.kernel ?? 'unknown kernel', probe: s.probe ?? null, reports: s.reports }];
}

/** kernelLabel names a kernel with what its probe saw: "6.12 (52-bit VA)", "6.12-16k (52-bit VA, 16K pages)". */
export function kernelLabel(k: Arm64Kernel): string {
  const p: ProbeReport | null = k.probe;
  if (!p) return k.kernel;
  const pages = p.page_size !== 4096 ? `, ${p.page_size / 1024}K pages` : '';
  return `${k.kernel} (${p.va_bits}-bit VA${pages})`;
}

/** arm64Goal: in one window, the default (known) at least GOALS.arm64VsGaps times faster than gap-fill, static and dynamic. */
export function arm64Goal(k: Arm64Kernel, r: BenchReport): Goal {
  const text = `arm64 ${kernelLabel(k)}, ${windowLabel(r)}: default (known) ≥ ${GOALS.arm64VsGaps}x faster than FEX-style gap-fill, static and dynamic (emulated: ratios only)`;
  if (reservedNothing(r)) return { text, measured: 'nothing to reserve in this window on this kernel', met: null };
  const known = (p: BenchResult['process']): BenchResult | undefined => r.results.find((x) => x.algorithm === 'known' && x.process === p);
  const ratios = PROCESSES.map((p) => ({ p, x: known(p)?.speedup_vs_gaps ?? null }));
  return {
    text,
    measured: ratios.map(({ p, x }) => (x === null ? `${p} not measured` : `${p} ${formatRatio(x)}`)).join(', '),
    met: ratios.every(({ x }) => x !== null && within(GOALS.arm64VsGaps, x)),
  };
}

/** failedGoal stands for a kernel's goal when its run failed or gave no report: not shown, so not met. */
function failedGoal(k: Arm64Kernel): Goal {
  return {
    text: `arm64 ${kernelLabel(k)}: default (known) ≥ ${GOALS.arm64VsGaps}x faster than FEX-style gap-fill, static and dynamic (emulated: ratios only)`,
    measured: k.error ? `FAILED: ${k.error}` : 'no report',
    met: false,
  };
}

/** kernelId makes a figure id (and chart file prefix) of a kernel name: arm64-6.1, arm64-6.12-16k. */
const kernelId = (name: string): string => `arm64-${name.replace(/[^A-Za-z0-9_.-]+/g, '-')}`;

/**
 * randomizedNote says what address randomization adds under TCG, from the
 * same VM's randomized i386 rows: each process's median with ASLR on beside
 * the same row with addresses fixed, and the default's ratio to gap-fill so.
 */
export function randomizedNote(k: Arm64Kernel): string | null {
  const r = k.randomized;
  if (!r) return null;
  const fixed = k.reports.find((x) => x.window.text === r.window.text);
  const cell = (rep: BenchReport | undefined, algorithm: BenchResult['algorithm'], p: BenchResult['process']) =>
    rep?.results.find((x) => x.algorithm === algorithm && x.process === p);
  const parts = PROCESSES.flatMap((p) => {
    const on = cell(r, 'known', p);
    if (!on) return [];
    const off = cell(fixed, 'known', p);
    const was = off ? ` (fixed: ${formatMicros(off.median_ns)} µs)` : '';
    return [`${p} ${formatMicros(on.median_ns)} µs${was}, ${formatRatio(on.speedup_vs_gaps)} vs gaps`];
  });
  if (!parts.length) return null;
  return (
    `With address randomization on, as on a node (same VM, ${r.runs} runs): ${windowLabel(r)} default ${parts.join('; ')}. ` +
    'The difference is qemu TCG translating the code again at each new address, which an arm64 CPU does not do; the goals use the fixed rows.'
  );
}

/** arm64Figure is one kernel's reservation figure with the arm64 goal per window. */
export function arm64Figure(k: Arm64Kernel, how: string): Figure {
  const f = reservationFigure({ how, probe: k.probe, reports: k.reports }, kernelId(k.kernel), `in the arm64 VM on ${k.kernel}`, false);
  if (k.seconds !== undefined) f.how += `; ${k.seconds} s on this kernel`;
  f.goals = k.reports.map((r) => arm64Goal(k, r));
  if (k.error || !k.reports.length) f.goals.push(failedGoal(k));
  const note = randomizedNote(k);
  if (note) f.notes.push(note);
  if (k.error) f.notes.push(`**FAILED:** ${k.error}`);
  return f;
}

/** arm64Figures: per kernel, in the order benchmarked, its reservation figure and its binfmt rows' (when measured). */
export function arm64Figures(s: Arm64Section): Figure[] {
  return arm64Kernels(s).flatMap((k) => [
    arm64Figure(k, s.how),
    ...(k.binfmt ? [binfmtFigure(k.binfmt, kernelId(k.kernel), kernelLabel(k))] : []),
  ]);
}
