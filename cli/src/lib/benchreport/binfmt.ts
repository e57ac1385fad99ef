/**
 * The binfmt rows of the arm64 section, the original complaint's case:
 * short-lived x86-64 programs run through binfmt_misc with Debian 13's
 * qemu 10 registered plainly, against vaoci-binfmt registered in front of it
 * (test/arm64/bench/binfmt.sh), in one boot of each kernel's VM. Each program
 * is held to GOALS.binfmtRatio. Under TCG only the ratios count.
 */
import { formatBytes, formatMicros, formatRatio } from '../format';
import { GOALS, within } from './goals';
import type { Timing } from './stats';
import { MS, amount, baseFirst, timingFigure } from './timing';
import type { BinfmtSection, Figure, Goal, HyperfineGroup } from './types';

/** binfmtGoal: the fronted row's median against the plain one's, per program. */
function binfmtGoal(where: string) {
  return (group: HyperfineGroup, rows: Timing[]): Goal | null => {
    if (rows.length < 2) return null;
    const [plain, front] = rows;
    const ratio = front.median / plain.median;
    return {
      text: `arm64 ${where}, ${group.name}: vaoci-binfmt in front of qemu 10 ≤ ${GOALS.binfmtRatio}x registered plainly (emulated: ratios only)`,
      measured: `${formatRatio(ratio)} (${amount(plain.median, MS)} → ${amount(front.median, MS)} ms, ${front.runs} runs)`,
      met: within(ratio, GOALS.binfmtRatio),
    };
  };
}

/** reservedNote says what vaoci-binfmt reserved in the run that proved it ran. */
function reservedNote(v: BinfmtSection['vaoci']): string[] {
  if (!v || v.bytes === undefined) return [];
  const took = v.nanoseconds === undefined ? '' : ` in ${formatMicros(v.nanoseconds)} µs`;
  return [
    `vaoci-binfmt reserved ${formatBytes(v.bytes)} in ${v.regions ?? '?'} regions for the ${v.window ?? '?'} window (${v.algorithm ?? '?'})${took}, under TCG.`,
  ];
}

/** binfmtFigure is one kernel's binfmt rows: id is the kernel's figure id, label says where (kernel and VA). */
export function binfmtFigure(s: BinfmtSection, id: string, label: string): Figure {
  return timingFigure(s, {
    id: `${id}-binfmt`,
    title: `Short-lived x86-64 programs through binfmt_misc with qemu 10, in the arm64 VM on ${label}`,
    unit: MS,
    tone: baseFirst,
    legend: { base: 'qemu 10 registered plainly', vaoci: 'vaoci-binfmt in front' },
    goal: binfmtGoal(label),
    notes: () => reservedNote(s.vaoci),
  });
}
