/**
 * Summaries of hyperfine runs: every run of a row, pooled over the rounds
 * it was measured in, reduced to a median and interquartile range.
 */
import type { HyperfineGroup } from './types';

/** quantile returns the q-quantile (0 ≤ q ≤ 1) of values, interpolating between ranks; NaN when there are none. */
export function quantile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return lo + 1 < s.length ? s[lo] + (s[lo + 1] - s[lo]) * (at - lo) : s[lo];
}

/** Timing is one row over all its runs, in seconds. */
export interface Timing {
  name: string;
  runs: number;
  median: number;
  q1: number;
  q3: number;
  min: number;
}

/** summarize gives each row of a group its Timing, in the group's row order; a row with no runs is left out. */
export function summarize(g: HyperfineGroup): Timing[] {
  return g.rows.flatMap((name) => {
    const t = g.results.filter((r) => r.command === name).flatMap((r) => r.times);
    if (!t.length) return [];
    return [{ name, runs: t.length, median: quantile(t, 0.5), q1: quantile(t, 0.25), q3: quantile(t, 0.75), min: Math.min(...t) }];
  });
}
