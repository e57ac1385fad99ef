/**
 * The README's goals, each with the figure it belongs to, and how a verdict
 * is printed. A figure's numbers are reported as measured; a goal only says
 * met or not met beside them.
 */

/** GOALS are the README's targets. */
export const GOALS = {
  /** reservationUs: the default algorithm's median in fresh static and dynamic processes, ahead of gap-fill. */
  reservationUs: 30,
  /** perProcessRatio: starting a process with vaoci (preload or vaoci-launch) against without. */
  perProcessRatio: 1.3,
  /** containerMs: what the wrapper and hooks add to starting a container. */
  containerMs: 3,
  /** versionMs: `vaoci --version`. */
  versionMs: 150,
} as const;

/** verdict prints a goal's state: met, not met, or n/a when it does not apply. */
export function verdict(met: boolean | null): string {
  return met === null ? 'n/a' : met ? 'met' : 'not met';
}

/** within: value ≤ limit, forgiving the last bits of floating-point arithmetic (3.0000000000000004 ms is 3 ms). */
export function within(value: number, limit: number): boolean {
  return value <= limit * (1 + 1e-9);
}
