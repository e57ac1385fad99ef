/**
 * vaoci node install / uninstall: apply a plan with a record of every
 * change. A file already as planned is left alone (twice = once); a file
 * that was there before vaoci is kept under PREFIX/backup/ and put back by
 * uninstall; directories vaoci made go again when empty.
 */
import * as fs from 'node:fs';
import { sha256Of } from '../image/digest';
import { applyBinfmt, registeredPath, removeBinfmt, type BinfmtRecord } from './binfmt';
import { Host } from './host';
import { askVersion, findEngine } from './engine';
import { restartEngine } from './restart';
import { vaociVersion } from '../version';
import { CONTAINERD_CONFIG } from './containerd';
import { ENGINE_CONFIGS, type Plan, type PlanOptions, plan } from './plan';
import { type InstallRecord, type RecordedFile, backupPath, readRecord, recordPath, writeRecord } from './record';

/** InstallResult is what `vaoci node install --json` prints (schemas/cli-node-install.schema.json). */
export interface InstallResult {
  engine: InstallRecord['engine'];
  prefix: string;
  host_root: string;
  /** changed lists the files written by this run (empty: the node already had everything). */
  changed: string[];
  /** restart names what must restart for the changes to take effect (empty when no engine config changed). */
  restart: string[];
  /** restarted is the command run to restart the engine (--restart), or null. */
  restarted: string | null;
  /** binfmt is vaoci-binfmt's registration in front of a static emulator, or null; changed when this run touched binfmt_misc. */
  binfmt: (BinfmtRecord & { changed: boolean }) | null;
}

/** DryRun is what `vaoci node install --dry-run` reports: the result an install would have, and its config change. */
export interface DryRun {
  result: InstallResult;
  /** configDiff: what the engine's effective config would gain or lose (containerd: `+ key = value` lines). */
  configDiff: string[];
}

/** dryRun plans an install and says what it would write and change, writing nothing (not even the record). */
export function dryRun(o: PlanOptions): DryRun {
  const old = readRecord(o.host, o.prefix);
  const p: Plan = plan({ ...o, oldBinfmt: old?.binfmt });
  const writes = p.files.filter((f) => differs(o.host, f));
  const gone = old?.files.filter((r) => !p.files.some((f) => f.path === r.path)) ?? [];
  const changed = [...writes.map((f) => f.path), ...gone.map((r) => r.path)];
  const engineChanged = writes.some((f) => f.config) || gone.some((r) => ENGINE_CONFIGS.includes(r.path));
  const b = p.binfmt;
  const binfmt = b && { entry: b.entry, fronts: b.front.name, interpreter: registeredPath(o.host, b.bundlePath), changed: changed.includes(b.bundlePath) || old?.binfmt?.entry !== b.entry };
  return { result: { engine: p.engine, prefix: o.prefix, host_root: o.host.root, changed, restart: engineChanged ? p.restart : [], restarted: null, binfmt }, configDiff: p.configDiff };
}

/** differs tells whether a planned file is missing on the node, or there with other bytes or another mode. */
function differs(host: Host, f: Plan['files'][number]): boolean {
  if (!host.exists(f.path)) return true;
  return sha256Of(fs.readFileSync(host.at(f.path))) !== sha256Of(f.data) || (fs.statSync(host.at(f.path)).mode & 0o7777) !== f.mode;
}

/** install applies the plan for these options and updates the record; with `restart`, restarts the engine when its config changed. */
export function install(o: PlanOptions & { restart?: boolean; restartCommand?: string[] }): InstallResult {
  const host = o.host;
  const old = readRecord(host, o.prefix);
  const p: Plan = plan({ ...o, oldBinfmt: old?.binfmt });
  const binary = findEngine(host, p.engine)?.binary;
  const record: InstallRecord = {
    version: 1,
    engine: p.engine,
    prefix: o.prefix,
    vaoci_version: vaociVersion(),
    engine_version: binary ? askVersion(host, binary) : null,
    files: [],
    created_dirs: [...(old?.created_dirs ?? [])],
    restart: p.restart,
    pending_restart: false,
  };
  const changed: string[] = [];
  let engineChanged = false;
  for (const f of p.files) {
    const known = old?.files.find((r) => r.path === f.path);
    const want = sha256Of(f.data);
    const entry: RecordedFile = { path: f.path, sha256: want, mode: f.mode, backup: known?.backup ?? null };
    if (host.exists(f.path) && !known) entry.backup = keep(host, o.prefix, f.path, record);
    if (differs(host, f)) {
      for (const d of host.write(f.path, f.data, f.mode)) if (!record.created_dirs.includes(d)) record.created_dirs.push(d);
      changed.push(f.path);
      engineChanged ||= f.config;
    }
    record.files.push(entry);
  }
  // Files an older install wrote that this plan no longer has (another engine, a bundle no longer wanted): undo them too.
  for (const gone of old?.files.filter((r) => !p.files.some((f) => f.path === r.path)) ?? []) {
    undo(host, gone);
    changed.push(gone.path);
    engineChanged ||= ENGINE_CONFIGS.includes(gone.path);
  }
  // binfmt_misc after the files: the kernel opens the bundle as it registers it (flag F).
  let binfmt: InstallResult['binfmt'] = null;
  if (old?.binfmt && (!p.binfmt || p.binfmt.entry !== old.binfmt.entry)) removeBinfmt(host, old.binfmt);
  if (p.binfmt) {
    const registered = registeredPath(host, p.binfmt.bundlePath);
    record.binfmt = { entry: p.binfmt.entry, fronts: p.binfmt.front.name, interpreter: registered };
    writeRecord(host, record); // first: a failure below still leaves a record uninstall can undo
    binfmt = { ...record.binfmt, changed: applyBinfmt(host, p.binfmt, registered, changed.includes(p.binfmt.bundlePath)) };
  }
  // Recorded before the restart: one that fails is still owed to the next install --restart.
  // (Without --restart the line says what to restart; whether someone did, vaoci cannot know.)
  record.pending_restart = Boolean(o.restart) && (engineChanged || Boolean(old?.pending_restart));
  writeRecord(host, record);
  let restarted: string | null = null;
  if (o.restart && record.pending_restart) {
    restarted = restartEngine(host, p.engine, o.restartCommand);
    writeRecord(host, { ...record, pending_restart: false });
  }
  return { engine: p.engine, prefix: o.prefix, host_root: host.root, changed, restart: engineChanged && !restarted ? p.restart : [], restarted, binfmt };
}

/** keep copies a file vaoci is about to replace into the backup directory; returns the backup's node path. */
function keep(host: Host, prefix: string, file: string, record: InstallRecord): string {
  const to = backupPath(prefix, file);
  const mode = fs.statSync(host.at(file)).mode & 0o7777;
  for (const d of host.write(to, fs.readFileSync(host.at(file)), mode)) if (!record.created_dirs.includes(d)) record.created_dirs.push(d);
  return to;
}

/**
 * undo puts one file back as it was before vaoci: restored from its backup,
 * or removed when vaoci created it — except a root config vaoci created
 * that has been changed since: it is the node's config now, and kept.
 */
function undo(host: Host, f: RecordedFile): boolean {
  if (!f.backup && f.path === CONTAINERD_CONFIG && host.exists(f.path) && sha256Of(fs.readFileSync(host.at(f.path))) !== f.sha256) return false;
  if (f.backup && host.exists(f.backup)) {
    host.write(f.path, fs.readFileSync(host.at(f.backup)), fs.statSync(host.at(f.backup)).mode & 0o7777);
    host.remove(f.backup);
  } else {
    host.remove(f.path);
  }
  return true;
}

/** UninstallResult is what `vaoci node uninstall --json` prints (schemas/cli-node-uninstall.schema.json). */
export interface UninstallResult {
  installed: boolean;
  host_root: string;
  restored: string[];
  restart: string[];
  restarted: string | null;
}

/** uninstall undoes the record, newest change first, and removes the record. */
export function uninstall(host: Host, prefix: string, restart = false, restartCommand?: string[]): UninstallResult {
  const record = readRecord(host, prefix);
  if (!record) return { installed: false, host_root: host.root, restored: [], restart: [], restarted: null };
  if (record.binfmt) removeBinfmt(host, record.binfmt); // before its bundle goes
  const restored = [...record.files].reverse().filter((f) => undo(host, f)).map((f) => f.path);
  host.remove(recordPath(prefix));
  for (const d of [...record.created_dirs].reverse()) host.removeDirIfEmpty(d);
  const restarted = restart ? restartEngine(host, record.engine, restartCommand) : null;
  return { installed: true, host_root: host.root, restored, restart: restarted ? [] : record.restart, restarted };
}

export { Host };
