/**
 * The report's bar charts as standalone SVG: one horizontal bar per row,
 * rows in groups under a heading, a whisker for the spread, the value and
 * its note (a ratio) after each bar, a dashed goal line. Pure: chart in, text out.
 */
import { xml } from '../svg';
import { linearTicks, tickText } from './axis';
import type { Bar, BarChart } from './types';

const W = 960;
const LABEL_X = 16;
const BAR_X = 300;
const BAR_W = 420;
const TOP = 64; // below the title and the axis labels
const ROW = 22;
const HEADING = 24;
const BAR_H = 14;

/** TONES are the bars' fills: the baseline grey, vaoci's rows blue, contrasts orange. */
export const TONES: Record<Bar['tone'], string> = { base: '#868e96', vaoci: '#1c7ed6', contrast: '#f08c00' };

/** barValueText prints a bar's value with its unit and note: "24.3 µs · 4.4x vs ladder". */
export function barValueText(b: Bar, unit: string): string {
  const v = b.value >= 100 ? b.value.toFixed(0) : b.value >= 10 ? b.value.toFixed(1) : b.value.toFixed(2);
  return `${v} ${unit}${b.note ? ` · ${b.note}` : ''}`;
}

/** legend draws a swatch and a name for each tone the chart uses, in one line at y. */
function legend(c: BarChart, y: number): string {
  let x = LABEL_X;
  return (Object.keys(c.legend) as Array<Bar['tone']>)
    .map((tone) => {
      const text = c.legend[tone] ?? '';
      const out = `<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${TONES[tone]}"/><text x="${x + 14}" y="${y}" class="label">${xml(text)}</text>`;
      x += 14 + text.length * 6.6 + 20;
      return out;
    })
    .join('');
}

/** bar draws one bar, its whisker and its text at row top y, on scale x. */
function bar(b: Bar, y: number, x: (v: number) => number, unit: string): string {
  const mid = y + ROW / 2;
  const parts = [
    `<text x="${LABEL_X + 12}" y="${mid + 4}" class="label">${xml(b.label)}</text>`,
    `<rect x="${BAR_X}" y="${mid - BAR_H / 2}" width="${Math.max(x(b.value) - BAR_X, 1).toFixed(1)}" height="${BAR_H}" fill="${TONES[b.tone]}"><title>${xml(`${b.label}: ${barValueText(b, unit)}`)}</title></rect>`,
  ];
  if (b.low !== undefined && b.high !== undefined) {
    const [l, h] = [x(b.low), x(b.high)].map((v) => v.toFixed(1));
    parts.push(`<path d="M${l} ${mid}H${h}M${l} ${mid - 4}V${mid + 4}M${h} ${mid - 4}V${mid + 4}" class="whisker"/>`);
  }
  const end = Math.max(x(b.value), b.high !== undefined ? x(b.high) : 0);
  parts.push(`<text x="${(end + 6).toFixed(1)}" y="${mid + 4}" class="value">${xml(barValueText(b, unit))}</text>`);
  return parts.join('');
}

/** barChartSvg draws a bar chart as a standalone SVG document. */
export function barChartSvg(c: BarChart): string {
  const bars = c.groups.flatMap((g) => g.bars);
  const ticks = linearTicks(Math.max(...bars.map((b) => Math.max(b.value, b.high ?? 0)), c.goal?.value ?? 0));
  const top = ticks[ticks.length - 1];
  const x = (v: number) => BAR_X + (Math.min(v, top) / top) * BAR_W;
  const plotBottom = TOP + c.groups.length * HEADING + bars.length * ROW + 4;
  const height = plotBottom + 44;
  const out: string[] = [];
  for (const t of ticks) {
    out.push(`<line x1="${x(t).toFixed(1)}" y1="${TOP - 6}" x2="${x(t).toFixed(1)}" y2="${plotBottom}" class="grid"/>`);
    out.push(`<text x="${x(t).toFixed(1)}" y="${TOP - 10}" class="tick">${tickText(t)}</text>`);
  }
  let y = TOP;
  for (const g of c.groups) {
    out.push(`<text x="${LABEL_X}" y="${y + 16}" class="group">${xml(g.name)}</text>`);
    y += HEADING;
    for (const b of g.bars) {
      out.push(bar(b, y, x, c.unit));
      y += ROW;
    }
  }
  if (c.goal) {
    const gx = x(c.goal.value).toFixed(1);
    out.push(`<line x1="${gx}" y1="${TOP - 6}" x2="${gx}" y2="${plotBottom}" class="goal"/>`);
    out.push(`<text x="${gx}" y="${plotBottom + 14}" class="goal-label">${xml(c.goal.label)}</text>`);
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif">`,
    '<style>.label,.value{font-size:12px;fill:#212529}.group{font-size:13px;font-weight:bold;fill:#212529}' +
      '.tick{font-size:11px;fill:#868e96;text-anchor:middle}.grid{stroke:#e9ecef}.whisker{stroke:#212529;fill:none}' +
      '.goal{stroke:#c92a2a;stroke-dasharray:5 4}.goal-label{font-size:11px;fill:#c92a2a;text-anchor:middle}' +
      '.title{font-size:16px;font-weight:bold;fill:#212529}.caption{font-size:12px;fill:#495057}</style>',
    `<rect width="${W}" height="${height}" fill="#fff"/>`,
    `<text x="${LABEL_X}" y="24" class="title">${xml(c.title)}</text>`,
    `<text x="${LABEL_X}" y="${TOP - 10}" class="caption">${xml(c.caption)}</text>`,
    ...out,
    legend(c, height - 8),
    '</svg>',
    '',
  ].join('\n');
}
