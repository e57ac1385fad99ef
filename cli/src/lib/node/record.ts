/**
 * The install record (schemas/node-install.schema.json) at PREFIX/install.json:
 * what vaoci wrote, what it replaced, which directories it made. It is what
 * makes a second install a no-op and an uninstall exact.
 */
import * as path from 'node:path';
import { Failure } from '../errors';
import { validate } from '../schema';
import type { BinfmtRecord } from './binfmt';
import type { Host } from './host';

/** Engine is the container engine vaoci registers with. */
export type Engine = 'containerd' | 'cri-o';

export interface RecordedFile {
  path: string;
  sha256: string;
  mode: number;
  backup: string | null;
}

export interface InstallRecord {
  version: 1;
  engine: Engine;
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

/** readRecord returns the node's record, or undefined when vaoci is not installed there. */
export function readRecord(host: Host, prefix: string): InstallRecord | undefined {
  const text = host.read(recordPath(prefix));
  if (text === undefined) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Failure(`\`${recordPath(prefix)}\`: not JSON — expected vaoci's install record`, 'system');
  }
  const problems = validate('node-install', doc);
  if (problems.length) throw new Failure(`\`${recordPath(prefix)}\` ${problems[0]}`, 'system');
  return doc as InstallRecord;
}

/** writeRecord writes the record after checking it against its schema. */
export function writeRecord(host: Host, record: InstallRecord): void {
  const problems = validate('node-install', record);
  if (problems.length) throw new Failure(`install record: ${problems[0]}`, 'system');
  host.write(recordPath(record.prefix), `${JSON.stringify(record, null, 2)}\n`, 0o644);
}
