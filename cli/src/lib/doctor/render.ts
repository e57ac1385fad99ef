/** How `vaoci doctor` prints for a person: one line per check, as a headerless table. */
import { type Column, table } from '../format';
import type { Check } from './checks';

const COLUMNS: Column<Check>[] = [
  { header: 'status', get: (c) => c.status },
  { header: 'check', get: (c) => c.name },
  { header: 'detail', get: (c) => c.detail },
];

/** renderDoctor lists the checks under one title line: status, name, what was found or what to do. */
export function renderDoctor(checks: Check[]): string {
  return `vaoci doctor:\n${table(checks, COLUMNS, '  ', { header: false })}`;
}
