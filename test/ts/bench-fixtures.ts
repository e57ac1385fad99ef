/**
 * One `vaoci-reserve bench` result row for the report's tests: what a row
 * always holds, with the fields a test cares about given.
 */
import type { BenchResult } from '../../cli/src/lib/reports';

/** benchResult is a row with its median in ns (p90 1.2x, min 0.8x) and the given fields on top. */
export function benchResult(
  algorithm: BenchResult['algorithm'],
  process: BenchResult['process'],
  medianNs: number,
  fields: Partial<BenchResult> = {},
): BenchResult {
  return {
    algorithm,
    process,
    runs: 10,
    failed: 0,
    median_ns: medianNs,
    p90_ns: medianNs * 1.2,
    min_ns: medianNs * 0.8,
    syscalls_median: 16,
    bytes: 1 << 30,
    regions: 4,
    speedup_vs_ladder: 4,
    speedup_vs_gaps: null,
    times_floor: null,
    ...fields,
  };
}
