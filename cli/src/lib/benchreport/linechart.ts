/**
 * The report's line charts as standalone SVG: one line per series on
 * log-log axes (powers of ten), each point a dot with its value as a
 * tooltip, a legend on the right. Pure: chart in, text out.
 */
import { xml } from '../svg';
import { logTicks, tickText } from './axis';
import type { LineChart } from './types';

const W = 760;
const H = 480;
const LEFT = 80;
const RIGHT = 600;
const TOP = 56;
const BOTTOM = 420;

/** PALETTE colours the series in order. */
export const PALETTE = ['#1c7ed6', '#f08c00', '#2b8a3e', '#c92a2a', '#7048e8', '#495057'];

/** logScale maps [lo, hi] (positive) to [a, b] logarithmically. */
export function logScale(lo: number, hi: number, a: number, b: number): (v: number) => number {
  const [l, h] = [Math.log10(lo), Math.log10(hi)];
  return (v) => a + ((Math.log10(v) - l) / (h - l)) * (b - a);
}

/** lineChartSvg draws a log-log line chart as a standalone SVG document. */
export function lineChartSvg(c: LineChart): string {
  const pts = c.series.flatMap((s) => s.points).filter(([px, py]) => px > 0 && py > 0);
  const xt = logTicks(Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0])));
  const yt = logTicks(Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1])));
  const x = logScale(xt[0], xt[xt.length - 1], LEFT, RIGHT);
  const y = logScale(yt[0], yt[yt.length - 1], BOTTOM, TOP);
  const out: string[] = [];
  for (const t of xt) {
    out.push(`<line x1="${x(t).toFixed(1)}" y1="${TOP}" x2="${x(t).toFixed(1)}" y2="${BOTTOM}" class="grid"/>`);
    out.push(`<text x="${x(t).toFixed(1)}" y="${BOTTOM + 18}" class="tick" style="text-anchor:middle">${tickText(t)}</text>`);
  }
  for (const t of yt) {
    out.push(`<line x1="${LEFT}" y1="${y(t).toFixed(1)}" x2="${RIGHT}" y2="${y(t).toFixed(1)}" class="grid"/>`);
    out.push(`<text x="${LEFT - 8}" y="${(y(t) + 4).toFixed(1)}" class="tick" style="text-anchor:end">${tickText(t)}</text>`);
  }
  c.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const ok = s.points.filter(([px, py]) => px > 0 && py > 0);
    out.push(
      `<polyline points="${ok.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`,
    );
    for (const [px, py] of ok) {
      out.push(
        `<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3.5" fill="${colour}"><title>${xml(`${s.name}: ${tickText(px)}, ${tickText(py)}`)}</title></circle>`,
      );
    }
    const ly = TOP + 8 + i * 22;
    out.push(
      `<rect x="${RIGHT + 24}" y="${ly - 8}" width="16" height="4" fill="${colour}"/><text x="${RIGHT + 46}" y="${ly - 2}" class="label">${xml(s.name)}</text>`,
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    '<style>.label{font-size:12px;fill:#212529}.tick{font-size:11px;fill:#868e96}.grid{stroke:#e9ecef}' +
      '.axis{font-size:12px;fill:#495057}.title{font-size:16px;font-weight:bold;fill:#212529}</style>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="16" y="26" class="title">${xml(c.title)}</text>`,
    `<rect x="${LEFT}" y="${TOP}" width="${RIGHT - LEFT}" height="${BOTTOM - TOP}" fill="none" stroke="#adb5bd"/>`,
    ...out,
    `<text x="${(LEFT + RIGHT) / 2}" y="${BOTTOM + 40}" class="axis" style="text-anchor:middle">${xml(c.xLabel)}</text>`,
    `<text x="18" y="${(TOP + BOTTOM) / 2}" class="axis" style="text-anchor:middle" transform="rotate(-90 18 ${(TOP + BOTTOM) / 2})">${xml(c.yLabel)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
