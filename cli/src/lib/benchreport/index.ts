/**
 * The `make bench` report (test/bench/report.js writes it): the sections'
 * raw figures in, report.md and one SVG per chart out. Pure.
 */
import { arm64Figures } from './arm64';
import { barChartSvg } from './barchart';
import { lineChartSvg } from './linechart';
import { renderMarkdown } from './markdown';
import { growthFigure, reservationFigure } from './reservation';
import { cliFigure, containerFigure, launchFigure, processFigure } from './timing';
import type { Figure, Machine, Sections } from './types';

export type * from './types';

/** SECTIONS names the section files in the report's order (build/bench/NAME.json). */
export const SECTIONS = ['reservation', 'growth', 'process', 'launch', 'container', 'cli', 'arm64'] as const;

/** figures turns the sections present into figures, in the report's order; machine.reference checks the CLI's baseline. */
export function figures(s: Sections, machine?: Machine): Figure[] {
  const out: Array<Figure | undefined> = [
    s.reservation && reservationFigure(s.reservation, 'reservation', 'here', true),
    s.growth && growthFigure(s.growth),
    s.process && processFigure(s.process),
    s.launch && launchFigure(s.launch),
    s.container && containerFigure(s.container),
    s.cli && cliFigure(s.cli, machine?.reference),
    ...(s.arm64 ? arm64Figures(s.arm64) : []),
  ];
  return out.filter((f): f is Figure => f !== undefined);
}

/** Report is what test/bench/report.js writes: report.md and the SVGs by file name. */
export interface Report {
  markdown: string;
  svgs: Record<string, string>;
}

/** buildReport renders every figure of the sections present. */
export function buildReport(s: Sections, machine?: Machine): Report {
  const fs = figures(s, machine);
  const svgs: Record<string, string> = {};
  for (const { file, chart } of fs.flatMap((f) => f.charts)) svgs[file] = chart.kind === 'bar' ? barChartSvg(chart) : lineChartSvg(chart);
  return { markdown: renderMarkdown(fs, machine), svgs };
}
