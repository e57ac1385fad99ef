/**
 * report.md: where and when `make bench` ran, every goal with its verdict in
 * one table, then each figure's table, goals, notes and plots.
 */
import { verdict } from './goals';
import type { Figure, Machine } from './types';

/** cell escapes text for a Markdown table cell. */
export function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** markdownTable lays a header and rows out as a Markdown table. */
export function markdownTable(columns: string[], rows: string[][]): string {
  return [columns, columns.map(() => '---'), ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

/** machineLine says where, when and under what load the figures were taken. */
export function machineLine(m: Machine): string {
  const took = Object.entries(m.seconds).map(([k, v]) => `${k} ${Math.round(v)} s`);
  const total = Object.values(m.seconds).reduce((a, b) => a + b, 0);
  return [
    `Measured ${m.date} on ${m.host}: ${m.cpu}, ${m.cpus} CPUs, kernel ${m.kernel}; load ${m.load_start} at the start, ${m.load_end} at the end.`,
    `Sections: ${took.join(', ')} (${Math.round(total)} s in all).`,
    m.reference
      ? `\`${m.reference.command}\` before any section: ${(m.reference.median * 1e3).toFixed(1)} ms (median of ${m.reference.runs}).`
      : '',
    m.failed.length ? `**Failed:** ${m.failed.join(', ')} (see build/bench/NAME.log).` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function figureMarkdown(f: Figure): string {
  const goals = f.goals.map((g) => `- goal: ${g.text}: ${g.measured} — **${verdict(g.met, g.doubt)}**`);
  return [
    `## ${f.title}`,
    f.how,
    markdownTable(f.columns, f.rows),
    goals.join('\n'),
    f.notes.map((n) => `- ${n}`).join('\n'),
    f.charts.map((c) => `![${c.chart.title}](${c.file})`).join('\n'),
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** renderMarkdown writes the whole report. */
export function renderMarkdown(figures: Figure[], machine?: Machine): string {
  const goals = figures.flatMap((f) => f.goals.map((g) => [f.title, g.text, g.measured, verdict(g.met, g.doubt)]));
  return (
    [
      '# vaoci benchmarks (`make bench`)',
      machine ? machineLine(machine) : '',
      'Numbers as measured, one run; rows within a figure were measured side by side, so compare within a figure.',
      '## Goals',
      markdownTable(['figure', 'goal', 'measured', 'verdict'], goals),
      ...figures.map(figureMarkdown),
    ]
      .filter(Boolean)
      .join('\n\n') + '\n'
  );
}
