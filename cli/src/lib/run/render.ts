/** How `vaoci run`, `ps` and `inspect` print for a person. */
import { type Column, table } from '../format';
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

const PS_COLUMNS: Column<ContainerEntry>[] = [
  { header: 'ID', get: (c) => c.id },
  { header: 'IMAGE', get: (c) => c.image },
  { header: 'STATUS', get: (c) => (c.status === 'exited' ? `exited (${c.exit_code})` : c.status) },
  { header: 'VA-LIMIT', get: windowOf },
  { header: 'CREATED', get: (c) => c.created },
  { header: 'COMMAND', get: (c) => c.args.join(' ') },
];

/** renderPs is a table of containers, newest first. */
export function renderPs(entries: ContainerEntry[]): string {
  return table(
    [...entries].sort((a, b) => b.created.localeCompare(a.created)),
    PS_COLUMNS,
  );
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
