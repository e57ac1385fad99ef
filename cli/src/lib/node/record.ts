/**
 * The install record (schemas/node-install.schema.json) at PREFIX/install.json
 * (beside PREFIX while PREFIX does not exist: sidePath): what vaoci wrote, what
 * it replaced, which directories it made. It is what makes a second install a
 * no-op, an uninstall exact, and a run killed half-way finished by the next.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure } from '../errors';
import { validate } from '../schema';
import type { BinfmtRecord } from './binfmt';
import type { Host } from './host';
import { sha256Hash } from '../image/digest';

/** Engine is the container engine vaoci registers with. */
export type Engine = 'containerd' | 'cri-o';

/**
 * Mode is how containers reach vaoci on the node: `runtime-class` (the
 * engine's runtime handler vaoci, registered by a drop-in, runs the wrapper)
 * or `nri` (vaoci-nri adjusts every container as the engine creates it; no
 * engine config, no restart).
 */
export type Mode = 'runtime-class' | 'nri';

export interface RecordedFile {
  path: string;
  sha256: string;
  mode: number;
  backup: string | null;
}

export interface InstallRecord {
  version: 1;
  engine: Engine;
  /** mode: absent in records from before NRI, which are all runtime-class. */
  mode?: Mode;
  prefix: string;
  /** vaoci_version: the vaoci that installed (absent in older records). */
  vaoci_version?: string;
  /** engine_version: what the engine said its version was at install, or null. */
  engine_version?: string | null;
  files: RecordedFile[];
  created_dirs: string[];
  restart: string[];
  pending_restart: boolean;
  /** binfmt: vaoci-binfmt's registration and the entry it fronts (disabled while it does). */
  binfmt?: BinfmtRecord;
}

/** recordPath is where the record lives on the node. */
export function recordPath(prefix: string): string {
  return path.posix.join(prefix, 'install.json');
}

/** backupPath is where a replaced file is kept: PREFIX/backup/ and its path with every / as %2F. */
export function backupPath(prefix: string, file: string): string {
  return path.posix.join(prefix, 'backup', file.replace(/%/g, '%25').replace(/\//g, '%2F'));
}

/**
 * sidePath is where the record waits while PREFIX does not exist: in `dir`
 * (a directory vaoci did not create, above PREFIX) under a name of its own
 * per prefix. A fresh install writes it there before it creates PREFIX, and
 * uninstall moves it there before it removes PREFIX, so a run killed between
 * two directory operations still leaves a record naming every directory
 * vaoci made.
 */
export function sidePath(prefix: string, dir: string): string {
  const tag = sha256Hash().update(prefix).digest('hex').slice(0, 12);
  return path.posix.join(dir, `${SIDE_RECORD_PREFIX}${tag}.json`);
}

/** SIDE_RECORD_PREFIX starts every side record's name. */
const SIDE_RECORD_PREFIX = '.vaoci-install-';

/** sidePaths are the places a side record for `prefix` may be: beside each of its ancestors. */
export function sidePaths(prefix: string): string[] {
  return sideDirs(prefix).map((d) => sidePath(prefix, d));
}

/** FoundRecord is a record and the node path it was read from. */
export interface FoundRecord {
  record: InstallRecord;
  at: string;
}

/**
 * findRecord reads the node's record — PREFIX/install.json, else a side
 * record — or undefined when vaoci is not installed there. A side record's
 * name is looked for only in a directory that holds some side record: the
 * name takes a SHA-256, and node:crypto costs ~3.5 ms to load, a tenth of
 * `vaoci doctor` on a node without vaoci.
 */
export function findRecord(host: Host, prefix: string): FoundRecord | undefined {
  const ats = [
    recordPath(prefix),
    ...sideDirs(prefix)
      .filter((d) => holdsSideRecord(host, d))
      .map((d) => sidePath(prefix, d)),
  ];
  for (const at of ats) {
    const text = host.read(at);
    if (text !== undefined) return { record: parseRecord(at, text), at };
  }
  return undefined;
}

/** sideDirs are PREFIX's ancestors, nearest first: where sidePaths puts a side record. */
function sideDirs(prefix: string): string[] {
  const out: string[] = [];
  for (let d = path.posix.dirname(prefix); ; d = path.posix.dirname(d)) {
    out.push(d);
    if (d === '/') return out;
  }
}

/** holdsSideRecord: `dir` on the node lists a name a side record could have (for any prefix). */
function holdsSideRecord(host: Host, dir: string): boolean {
  try {
    return fs.readdirSync(host.at(dir)).some((name) => name.startsWith(SIDE_RECORD_PREFIX));
  } catch {
    return false;
  }
}

function parseRecord(at: string, text: string): InstallRecord {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Failure(`\`${at}\`: not JSON — expected vaoci's install record`, 'system');
  }
  const problems = validate('node-install', doc);
  if (problems.length) throw new Failure(`\`${at}\` ${problems[0]}`, 'system');
  return doc as InstallRecord;
}

/** readRecord returns the node's record, or undefined when vaoci is not installed there. */
export function readRecord(host: Host, prefix: string): InstallRecord | undefined {
  return findRecord(host, prefix)?.record;
}

/**
 * writeRecord writes the record after checking it against its schema: at
 * PREFIX/install.json when PREFIX exists (then any side record goes), else
 * as a side record in the nearest directory above PREFIX that exists.
 */
export function writeRecord(host: Host, record: InstallRecord): void {
  const problems = validate('node-install', record);
  if (problems.length) throw new Failure(`install record: ${problems[0]}`, 'system');
  const text = `${JSON.stringify(record, null, 2)}\n`;
  const missing = host.missingDirs(record.prefix);
  if (missing.length) {
    host.write(sidePath(record.prefix, path.posix.dirname(missing[0])), text, 0o644);
    return;
  }
  host.write(recordPath(record.prefix), text, 0o644);
  removeSideRecords(host, record.prefix);
}

/** removeSideRecords removes every side record of `prefix` (and what a killed write of one left). */
export function removeSideRecords(host: Host, prefix: string): void {
  for (const side of sidePaths(prefix)) {
    host.removeTemp(side);
    if (host.exists(side)) host.remove(side);
  }
}
