/**
 * `vaoci reserve check`: reserve outside a window in a fresh vaoci-reserve,
 * sample where the kernel then puts mmap, hinted mmap, shmat and mremap, and
 * verify the tool's own address space.
 */
import type { Algorithm } from './flags';
import { Failure } from './errors';
import { type Column, formatBytes, formatMicros, formatPercent, plural, table } from './format';
import type { CheckReport, Sample, Verify, Window } from './reports';
import { type RunOptions, fullReport, runTool } from './tool';

/** CheckOptions are the flags of `vaoci reserve check`. */
export interface CheckOptions {
  window: string;
  algorithm?: Algorithm;
  samples?: number;
}

/** check runs vaoci-reserve check and returns its validated report, ok or not. */
export async function check(o: CheckOptions, opts: RunOptions = {}): Promise<CheckReport> {
  const args = ['--va-limit', o.window];
  if (o.algorithm) args.push('--algo', o.algorithm);
  if (o.samples !== undefined) args.push('--samples', String(o.samples));
  return fullReport(await runTool('check', args, opts));
}

/** windowText prints a window with its bounds: "i386 [0x0, 0x100000000)". */
export function windowText(w: Window): string {
  return w.wraps ? `${w.text} (all but [${w.upper}, ${w.lower}))` : `${w.text} [${w.lower}, ${w.upper})`;
}

/** verifyLine sums up a verify: reserved, live mappings and free space outside the window. */
export function verifyLine(v: Verify): string {
  return (
    `outside the window: ${formatBytes(v.reserved.bytes)} reserved in ${plural(v.reserved.regions, 'region')}, ` +
    `${plural(v.mapped.regions, 'live mapping')} (${formatBytes(v.mapped.bytes)}), ` +
    `${formatBytes(v.free.bytes)} free in ${plural(v.free.regions, 'gap')} (coverage ${formatPercent(v.coverage)}); ` +
    `${formatBytes(v.stack_keep_bytes)} kept for stack growth`
  );
}

const SAMPLE_COLUMNS: Column<Sample>[] = [
  { header: 'sample', get: (s) => s.kind },
  { header: 'count', get: (s) => String(s.count), align: 'right' },
  { header: 'outside', get: (s) => String(s.outside), align: 'right' },
  { header: 'refused', get: (s) => String(s.refused), align: 'right' },
  { header: 'first outside', get: (s) => s.first_outside ?? '-' },
];

/** renderCheck prints the verdict, the reservation's cost, the samples as a table and the verify. */
export function renderCheck(r: CheckReport): string {
  const s = r.reservation;
  return [
    `vaoci reserve check: window ${windowText(r.window)} ${r.ok ? 'holds' : 'DOES NOT HOLD'}`,
    `  reserved ${formatBytes(s.bytes)} in ${plural(s.regions, 'region')} with ${s.algorithm}: ${formatMicros(s.nanoseconds)} µs, ${s.syscalls} syscalls`,
    table(r.samples, SAMPLE_COLUMNS, '  '),
    `  ${verifyLine(r.verify)}`,
  ].join('\n');
}

/** checkOutcome returns a check that held, or fails (exit 1) saying what did not hold. */
export function checkOutcome(r: CheckReport): CheckReport {
  if (r.ok) return r;
  const outside = r.samples.filter((s) => s.outside > 0);
  const why = [
    ...outside.map((s) => `${s.outside} ${s.kind} outside (first at ${s.first_outside})`),
    ...(r.verify.holds ? [] : [`${formatBytes(r.verify.free.bytes)} free outside the window in ${plural(r.verify.free.regions, 'gap')}`]),
  ];
  throw new Failure(`window ${r.window.text} does not hold: ${why.join(', ') || 'see the report'}`, 'failed', r);
}
