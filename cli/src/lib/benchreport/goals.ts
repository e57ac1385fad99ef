/**
 * The README's goals, each with the figure it belongs to, and how a verdict
 * is printed. A figure's numbers are reported as measured; a goal only says
 * met or not met beside them.
 */

/** GOALS are the README's targets. */
export const GOALS = {
  /** floorRatio: the default reservation at most this many times the floor (only its final mmaps), static and dynamic. */
  floorRatio: 2,
  /** gapsSpeedup: the default reservation at least this many times faster than FEX-style gap-fill, static and dynamic. */
  gapsSpeedup: 3,
  /** arm64VsGaps: in the arm64 VM, on every kernel of the matrix, the default at least this many times faster than FEX-style gap-fill, static and dynamic. */
  arm64VsGaps: 2,
  /** growthVsGaps: at every count of mappings already there, the default at least this fast relative to gap-fill (never slower). */
  growthVsGaps: 1,
  /** growthVsHalvingAt: the count of mappings at which the default must be no slower than halving too. */
  growthVsHalvingAt: 10_000,
  /** binfmtRatio: in the arm64 VM, a short-lived x86-64 program through binfmt_misc with vaoci-binfmt in front of qemu 10 against qemu 10 registered plainly. */
  binfmtRatio: 1.05,
  /** preloadRatio: starting a dynamic program with the preload against without. */
  preloadRatio: 1.15,
  /** launchRatio: starting a static program under vaoci-launch against directly. */
  launchRatio: 1.2,
  /** containerMs: what the wrapper and hooks add to starting a container, on crun and on runc. */
  containerMs: 1.5,
  /** versionMs: `vaoci --version`. */
  versionMs: 150,
  /** cliRatio: every command a user runs often starts within this many times `node -e 0` (issue 18, goal 8). */
  cliRatio: 1.5,
  /**
   * cliBaselineDrift: the CLI section's `node -e 0` more than this many times
   * off the one timed at the start of the run (either way) casts doubt on the
   * section's ratios: a machine slowed for the section flatters every ratio.
   */
  cliBaselineDrift: 1.25,
} as const;

/** verdict prints a goal's state: met, not met, or n/a when it does not apply; with the doubt on it, if any. */
export function verdict(met: boolean | null, doubt?: string): string {
  const v = met === null ? 'n/a' : met ? 'met' : 'not met';
  return doubt ? `${v}, in doubt: ${doubt}` : v;
}

/** within: value ≤ limit, forgiving the last bits of floating-point arithmetic (3.0000000000000004 ms is 3 ms). */
export function within(value: number, limit: number): boolean {
  return value <= limit * (1 + 1e-9);
}
