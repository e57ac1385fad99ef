/**
 * `vaoci probe`: what this machine's address space looks like to the
 * reserver (vaoci-reserve --json probe), and a table of it for people.
 */
import { type Column, formatBytes, table } from './format';
import type { Limit, ProbeReport } from './reports';
import { type RunOptions, fullReport, runTool } from './tool';

/** probe runs vaoci-reserve probe and returns its validated report. */
export async function probe(opts: RunOptions = {}): Promise<ProbeReport> {
  return fullReport(await runTool('probe', [], opts));
}

interface Row {
  what: string;
  value: string;
  why: string;
}

const COLUMNS: Column<Row>[] = [
  { header: 'property', get: (r) => r.what },
  { header: 'value', get: (r) => r.value },
  { header: 'what it means for a reservation', get: (r) => r.why },
];

/** renderProbe prints the probe as a table with one row per property. */
export function renderProbe(r: ProbeReport): string {
  const top = BigInt(r.task_size);
  const stack = BigInt(r.stack.end) - BigInt(r.stack.start);
  const rows: Row[] = [
    { what: 'VA bits', value: String(r.va_bits), why: `user space ends at ${r.task_size} (${formatBytes(top)})` },
    { what: 'page size', value: formatBytes(r.page_size), why: 'window bounds must be multiples of it' },
    { what: 'mmap_min_addr', value: r.mmap_min_addr, why: 'nothing can be mapped below it' },
    { what: 'main stack', value: `${r.stack.start}-${r.stack.end}`, why: `${formatBytes(stack)} now; room below it is kept for growth` },
    { what: 'RLIMIT_STACK', value: limit(r.rlimit_stack), why: 'how much is kept free below the stack (at most 256 MiB)' },
    {
      what: 'RLIMIT_AS',
      value: limit(r.rlimit_as),
      why: r.rlimit_as === 'unlimited' ? 'no cap on reservations' : 'reservations count against it: a finite cap can fail them',
    },
    {
      what: 'PROCMAP_QUERY',
      value: r.procmap_query ? 'yes' : 'no',
      why: r.procmap_query ? 'the query algorithm takes its fast path' : 'query falls back to reading the maps text',
    },
  ];
  return `vaoci probe: ${r.arch}, kernel ${r.kernel}\n${table(rows, COLUMNS, '  ')}`;
}

function limit(l: Limit): string {
  return l === 'unlimited' ? l : formatBytes(l);
}
