/**
 * Formatting for people: byte sizes in binary units, durations, hex, and a
 * plain-text table with aligned columns (oclif 4 has no table of its own).
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** formatBytes prints a byte count in binary units: "0 B", "4 KiB", "128.0 TiB". */
export function formatBytes(n: number | bigint): string {
  let v = Number(n);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${v} B`;
  return `${Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1)} ${UNITS[u]}`;
}

/** formatMicros prints nanoseconds as microseconds with one decimal: "41.9". */
export function formatMicros(ns: number): string {
  return (ns / 1000).toFixed(1);
}

/** formatRatio prints a speed-up: "3.9x", "-" when it was not measured. */
export function formatRatio(r: number | null): string {
  if (r === null) return '-';
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`;
}

/** formatPercent prints a fraction in [0, 1] as a percentage: "100.000%". */
export function formatPercent(f: number): string {
  return `${(f * 100).toFixed(3)}%`;
}

/** plural prints a count with its noun: "1 gap", "5 gaps". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** hex prints a bigint address as lower-case 0x hex. */
export function hex(n: bigint): string {
  return `0x${n.toString(16)}`;
}

/** Column describes one column of a table: its header, how to get a cell, and its alignment. */
export interface Column<T> {
  header: string;
  get: (row: T) => string;
  align?: 'left' | 'right';
}

/** TableOptions: `header: false` leaves the header line out (a checklist: the rows say what they are). */
export interface TableOptions {
  header?: boolean;
}

/**
 * table lays rows out in aligned columns under a header, each line indented
 * by `indent`; cells are separated by two spaces; no trailing blanks. Every
 * command that prints a table prints it through this one function, so they
 * all look alike (podman's tables: the same gap, no borders).
 */
export function table<T>(rows: T[], columns: Column<T>[], indent = '', opts: TableOptions = {}): string {
  const body = rows.map((r) => columns.map((c) => c.get(r)));
  const cells = opts.header === false ? body : [columns.map((c) => c.header), ...body];
  const widths = columns.map((_, i) => Math.max(0, ...cells.map((line) => line[i].length)));
  return cells
    .map(
      (line) =>
        indent +
        line
          .map((cell, i) => (columns[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}
