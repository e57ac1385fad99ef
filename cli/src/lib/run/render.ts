/** How `vaoci run`, `ps` and `inspect` print for a person. */
import type { Inspected } from './containers';
import type { RunResult } from './run';
import { type ContainerEntry, nameOf } from './state';

/** summaryLine is run's last line: the hook's verdict, when the container had a window. */
export function summaryLine(r: RunResult): string | undefined {
  if (!r.report) return undefined;
  return `vaoci: container ${r.container.id} exited ${r.container.exit_code}; ${r.report.message}`;
}

/** windowOf names the container's window as asked (the report says what it was). */
function windowOf(c: ContainerEntry): string {
  return c.annotations['vaoci.io/va-limit'] ?? 'auto';
}

/** renderPs is a table of containers, newest first. */
export function renderPs(entries: ContainerEntry[]): string {
  const rows = [...entries]
    .sort((a, b) => b.created.localeCompare(a.created))
    .map((c) => [c.id, c.image, c.status === 'exited' ? `exited (${c.exit_code})` : c.status, windowOf(c), c.created, c.args.join(' ')]);
  return table(['ID', 'IMAGE', 'STATUS', 'VA-LIMIT', 'CREATED', 'COMMAND'], rows);
}

/** renderInspect lists one container's fields and its report's verdict. */
export function renderInspect(i: Inspected): string {
  const c = i.container;
  const lines = [
    `id:        ${c.id}`,
    ...(nameOf(c) === undefined ? [] : [`name:      ${nameOf(c)}`]),
    `image:     ${c.image} (${c.image_arch}, ${c.config_digest})`,
    `command:   ${c.args.join(' ')}`,
    `status:    ${c.status}${c.exit_code === null ? '' : ` (exit ${c.exit_code})`}`,
    `runtime:   ${c.runtime}`,
    `bundle:    ${c.bundle}`,
    `created:   ${c.created}${c.finished ? `, finished ${c.finished}` : ''}`,
  ];
  for (const [k, v] of Object.entries(c.annotations)) lines.push(`annotation ${k}=${v}`);
  lines.push(i.report ? `report:    ${i.report.status}: ${i.report.message} (${c.report})` : 'report:    none (no window)');
  return lines.join('\n');
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
