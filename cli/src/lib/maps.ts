/**
 * /proc/PID/maps as data: one entry per line, addresses as bigint (user
 * space reaches past 2^53 on 57-bit machines; numbers would round).
 */
import * as fs from 'node:fs';
import { Failure } from './errors';

/** MapsEntry is one mapping: [start, end), its permissions and its path or pseudo-name ('' when anonymous). */
export interface MapsEntry {
  start: bigint;
  end: bigint;
  perms: string;
  name: string;
}

const LINE = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ [0-9]+ *(.*)$/;

/** parseMaps reads maps text; a line that is not a mapping fails, naming the line. */
export function parseMaps(text: string): MapsEntry[] {
  const out: MapsEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line) return;
    const m = LINE.exec(line);
    if (!m) throw new Failure(`maps line ${i + 1} \`${line.slice(0, 80)}\`: expected START-END PERMS OFFSET DEV INODE [NAME]`, 'tool');
    out.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), perms: m[3], name: m[4] });
  });
  return out;
}

/** readMaps reads /proc/PID/maps; a process that is gone or hidden is a Failure naming the file. */
export function readMaps(pid: number): MapsEntry[] {
  const file = `/proc/${pid}/maps`;
  try {
    return parseMaps(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof Failure) throw e;
    throw new Failure(`read \`${file}\`: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'system');
  }
}

/** isReservation is vaoci's rule (native/src/verify.c): private PROT_NONE with no file, or named [heap] by the kernel. */
export function isReservation(e: MapsEntry): boolean {
  return e.perms === '---p' && (e.name === '' || e.name === '[heap]');
}
