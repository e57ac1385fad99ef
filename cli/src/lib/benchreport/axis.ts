/**
 * Axis ticks for the report's charts: round linear steps (1, 2, 5 × 10^k)
 * and the powers of ten of a log axis.
 */

/** linearTicks returns 0 and round steps up to the first tick at or above max, about `count` of them. */
export function linearTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const ticks = [0];
  while (ticks[ticks.length - 1] < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

/** logTicks returns the powers of ten from the one at or below min to the one at or above max. */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(Math.ceil(Math.log10(max)), lo + 1);
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
}

/** tickText prints a tick value without float noise: 0.5, 20, 1000, 1e+5 as 100000. */
export function tickText(v: number): string {
  return String(Number(v.toPrecision(6)));
}
