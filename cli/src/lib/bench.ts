/**
 * `vaoci reserve bench`: every algorithm timed in fresh processes, static
 * and dynamic, side by side, with a progress bar while it runs.
 */
import { Failure } from './errors';
import type { BenchRow } from './flags';
import { type Column, formatMicros, formatRatio, table } from './format';
import { progressBar } from './progress';
import type { BenchReport, BenchResult } from './reports';
import { fullReport, runTool } from './tool';
import { windowText } from './check';

/** BenchOptions are the flags of `vaoci reserve bench`; absent ones take the tool's defaults. */
export interface BenchOptions {
  window?: string;
  runs?: number;
  /** rows names the rows to run: algorithms and the floor. */
  rows?: BenchRow[];
  /** progress shows a bar (from the tool's --progress lines) when true. */
  progress?: boolean;
}

/** benchArgs turns options into vaoci-reserve bench flags. */
export function benchArgs(o: BenchOptions): string[] {
  const args: string[] = [];
  if (o.window) args.push('--va-limit', o.window);
  if (o.runs !== undefined) args.push('--runs', String(o.runs));
  if (o.rows) args.push('--algos', o.rows.join(','));
  if (o.progress) args.push('--progress');
  return args;
}

/** bench runs vaoci-reserve bench, drawing a bar when asked, and returns its validated report. */
export async function bench(o: BenchOptions): Promise<BenchReport> {
  const bar = progressBar('bench', Boolean(o.progress));
  try {
    return fullReport(await runTool('bench', benchArgs({ ...o, progress: Boolean(bar) }), { onProgress: bar?.update }));
  } finally {
    bar?.stop();
  }
}

const COLUMNS: Column<BenchResult>[] = [
  { header: 'algorithm', get: (r) => r.algorithm },
  { header: 'process', get: (r) => r.process },
  { header: 'median µs', get: (r) => formatMicros(r.median_ns), align: 'right' },
  { header: 'p90 µs', get: (r) => formatMicros(r.p90_ns), align: 'right' },
  { header: 'min µs', get: (r) => formatMicros(r.min_ns), align: 'right' },
  { header: 'syscalls', get: (r) => String(r.syscalls_median), align: 'right' },
  { header: 'vs ladder', get: (r) => formatRatio(r.speedup_vs_ladder), align: 'right' },
  { header: 'vs gaps', get: (r) => formatRatio(r.speedup_vs_gaps), align: 'right' },
  { header: 'x floor', get: (r) => formatRatio(r.times_floor), align: 'right' },
  { header: 'failed', get: (r) => String(r.failed), align: 'right' },
];

/** renderBench prints the results as a table, with how many times faster each is than ladder and gaps. */
export function renderBench(r: BenchReport): string {
  return [
    `vaoci reserve bench: window ${windowText(r.window)}, ${r.runs} fresh processes per row`,
    table(r.results, COLUMNS, '  '),
    '  vs ladder, vs gaps: times faster by median than that algorithm in the same kind of process',
    '  x floor: times the floor (only the mappings the default ends up with, at addresses known beforehand)',
  ].join('\n');
}

/** benchOutcome returns a bench whose every run succeeded, or fails (exit 1) naming the rows with failures. */
export function benchOutcome(r: BenchReport): BenchReport {
  if (r.ok) return r;
  const bad = r.results.filter((x) => x.failed > 0).map((x) => `${x.algorithm}/${x.process} ${x.failed} of ${x.failed + x.runs}`);
  throw new Failure(`runs failed: ${bad.join(', ') || 'see the report'}`, 'failed', r);
}
