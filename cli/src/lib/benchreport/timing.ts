/**
 * The figures measured with hyperfine: per process (the preload, and
 * vaoci-launch for static programs), per container (the wrapper and hooks,
 * and a Node.js hook for contrast) and the CLI's start-up. Each row is
 * compared with its group's first row, the baseline.
 */
import { formatRatio } from '../format';
import { GOALS, within } from './goals';
import { type Timing, summarize } from './stats';
import type { Bar, BarChart, Figure, Goal, HyperfineGroup, Machine, TimingSection } from './types';

/** Unit is how a figure prints times. */
export interface Unit {
  name: 'µs' | 'ms';
  /** per is the unit's count in a second. */
  per: number;
}

export const MS: Unit = { name: 'ms', per: 1e3 };
export const US: Unit = { name: 'µs', per: 1e6 };

/** amount prints seconds in a unit: three significant figures at least, one decimal at most past them. */
export function amount(seconds: number, u: Unit): string {
  const v = seconds * u.per;
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** versus prints a row against the baseline: "+0.62 ms, 1.07x" (or "baseline"). */
export function versus(t: Timing, base: Timing, u: Unit): string {
  if (t === base) return 'baseline';
  const d = t.median - base.median;
  return `${d >= 0 ? '+' : '−'}${amount(Math.abs(d), u)} ${u.name}, ${formatRatio(t.median / base.median)}`;
}

/** TimingSpec says how one figure reads its groups: its unit, its goal per group, and each row's tone. */
export interface TimingSpec {
  id: string;
  title: string;
  unit: Unit;
  /** goal: the group's goals (one, several or none), from its rows as summarized once. */
  goal: (group: HyperfineGroup, rows: Timing[]) => Goal | Goal[] | null;
  tone: (row: Timing, index: number) => Bar['tone'];
  legend: BarChart['legend'];
  goalLine?: { value: number; label: string };
  notes?: (groups: Array<{ group: HyperfineGroup; rows: Timing[] }>) => string[];
}

/** timingFigure makes a figure of a hyperfine section: a table of medians and IQRs, goals, one bar chart. */
export function timingFigure(s: TimingSection, spec: TimingSpec): Figure {
  const u = spec.unit;
  const groups = s.groups.map((group) => ({ group, rows: summarize(group) })).filter((g) => g.rows.length);
  const chart: BarChart = {
    kind: 'bar',
    title: spec.title,
    unit: u.name,
    caption: `median ${u.name}, whisker interquartile range`,
    legend: spec.legend,
    groups: groups.map(({ group, rows }) => ({
      name: group.name,
      bars: rows.map((t, i) => ({
        label: t.name,
        value: t.median * u.per,
        low: t.q1 * u.per,
        high: t.q3 * u.per,
        note: i ? versus(t, rows[0], u) : undefined,
        tone: spec.tone(t, i),
      })),
    })),
  };
  if (spec.goalLine) chart.goal = spec.goalLine;
  return {
    id: spec.id,
    title: spec.title,
    how: `${s.how}; ${s.load}`,
    columns: ['group', 'row', `median ${u.name}`, `IQR ${u.name}`, 'runs', 'vs baseline'],
    rows: groups.flatMap(({ group, rows }) =>
      rows.map((t) => {
        const iqr = `${amount(t.q1, u)}–${amount(t.q3, u)}`;
        return [group.name, t.name, amount(t.median, u), iqr, String(t.runs), versus(t, rows[0], u)];
      }),
    ),
    goals: groups.flatMap(({ group, rows }) => spec.goal(group, rows) ?? []),
    charts: [{ file: `${spec.id}.svg`, chart }],
    notes: spec.notes?.(groups) ?? [],
  };
}

/** ratioGoal: the named row (else the second) against the baseline, at most `limit` times. */
function ratioGoal(what: string, limit: number, rowName?: string) {
  return (group: HyperfineGroup, rows: Timing[]): Goal | null => {
    const t = rowName ? rows.find((r) => r.name === rowName) : rows[1];
    if (!t || t === rows[0]) return null;
    const ratio = t.median / rows[0].median;
    return {
      text: `${group.name}: ${what} ≤ ${limit}x per process`,
      measured: `${formatRatio(ratio)} (${amount(rows[0].median, US)} → ${amount(t.median, US)} µs)`,
      met: within(ratio, limit),
    };
  };
}

/** perProcessLimit: a group run under vaoci-launch has the launcher's goal, the others the preload's. */
const perProcessLimit = (group: HyperfineGroup): number => (/vaoci-launch/.test(group.name) ? GOALS.launchRatio : GOALS.preloadRatio);

/** baseFirst: the group's first row is the baseline, the others vaoci's. */
export const baseFirst = (_: Timing, i: number): Bar['tone'] => (i ? 'vaoci' : 'base');
const WITH_VAOCI: BarChart['legend'] = { base: 'without vaoci', vaoci: 'with vaoci' };

/** processFigure: dynamic programs with and without the preload, a static one with and without vaoci-launch. */
export function processFigure(s: TimingSection): Figure {
  return timingFigure(s, {
    id: 'process',
    title: 'Per process: exec with and without vaoci',
    unit: US,
    goal: (group, rows) => ratioGoal('with vaoci', perProcessLimit(group))(group, rows),
    tone: baseFirst,
    legend: WITH_VAOCI,
  });
}

/** launchFigure: static trues direct and under vaoci-launch, without a window and with two. */
export function launchFigure(s: TimingSection): Figure {
  return timingFigure(s, {
    id: 'launch',
    title: 'Per process: static programs under vaoci-launch',
    unit: US,
    goal: ratioGoal('launched with the i386 window', GOALS.launchRatio, 'launched, i386'),
    tone: baseFirst,
    legend: WITH_VAOCI,
  });
}

/** containerFigure: bare runtimes against the wrapper and hooks, and a Node.js hook for contrast. */
export function containerFigure(s: TimingSection): Figure {
  const NODE_ROW = 'prepared, node hook';
  return timingFigure(s, {
    id: 'container',
    title: 'Per container: crun and runc, bare and with vaoci',
    unit: MS,
    tone: (t, i) => (t.name === NODE_ROW ? 'contrast' : i ? 'vaoci' : 'base'),
    legend: { ...WITH_VAOCI, contrast: "vaoci-hook's job done in Node.js" },
    goal: (group, rows) => {
      const t = rows.find((r) => r.name === 'wrapper+hooks');
      if (!t) return null;
      const d = (t.median - rows[0].median) * 1e3;
      const text = `${group.name}: wrapper + hooks ≤ +${GOALS.containerMs} ms over bare`;
      return { text, measured: versus(t, rows[0], MS), met: within(d, GOALS.containerMs) };
    },
    notes: (groups) =>
      groups.flatMap(({ group, rows }) => {
        const [native, node] = ['prepared', NODE_ROW].map((n) => rows.find((r) => r.name === n));
        if (!native || !node) return [];
        return [
          `${group.name}: the hook's job in Node.js instead of vaoci-hook costs ${versus(node, native, MS)} against the native row (prepared).`,
        ];
      }),
  });
}

/**
 * cliFigure: the CLI's start-up against `node -e 0`: `--version` against its
 * own limit, every command against GOALS.cliRatio times the baseline of the
 * same runs. Given the `node -e 0` timed at the start of the run, a baseline
 * that moved more than GOALS.cliBaselineDrift from it puts every ratio in doubt.
 */
export function cliFigure(s: TimingSection, reference?: Machine['reference']): Figure {
  return timingFigure(s, {
    id: 'cli',
    title: 'CLI start-up',
    unit: MS,
    tone: baseFirst,
    legend: { base: 'node alone', vaoci: 'the vaoci CLI' },
    goalLine: { value: GOALS.versionMs, label: `goal ≤ ${GOALS.versionMs} ms (--version)` },
    goal: (_, rows) => [...versionGoal(rows), ...cliRatioGoals(rows, reference)],
  });
}

/** versionGoal: `vaoci --version` against its own limit in ms. */
function versionGoal(rows: Timing[]): Goal[] {
  const t = rows.find((r) => r.name.endsWith(' --version'));
  if (!t) return [];
  return [
    {
      text: `\`${t.name}\` ≤ ${GOALS.versionMs} ms`,
      measured: `${amount(t.median, MS)} ms median`,
      met: within(t.median * 1e3, GOALS.versionMs),
    },
  ];
}

/** cliRatioGoals: each row against the first (`node -e 0`), from the same runs, in doubt when the baseline drifted. */
function cliRatioGoals([base, ...rows]: Timing[], reference?: Machine['reference']): Goal[] {
  if (!base) return [];
  const drift = reference ? base.median / reference.median : 1;
  const doubt =
    reference && (drift > GOALS.cliBaselineDrift || drift < 1 / GOALS.cliBaselineDrift)
      ? `\`${base.name}\` took ${amount(base.median, MS)} ms here against ${amount(reference.median, MS)} ms at the start of the run (${formatRatio(drift)})`
      : undefined;
  return rows.map((t) => ({
    text: `\`${t.name}\` ≤ ${GOALS.cliRatio}x \`${base.name}\``,
    measured: `${formatRatio(t.median / base.median)} (${amount(base.median, MS)} → ${amount(t.median, MS)} ms)`,
    met: within(t.median / base.median, GOALS.cliRatio),
    ...(doubt ? { doubt } : {}),
  }));
}
