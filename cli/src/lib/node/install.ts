/**
 * vaoci node install / uninstall: apply a plan with a record of every
 * change. A file already as planned is left alone (twice = once); a file
 * that was there before vaoci is kept under PREFIX/backup/ and put back by
 * uninstall; directories vaoci made go again when empty.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256Of } from '../image/digest';
import { applyBinfmt, registeredPath, removeBinfmt, type BinfmtRecord } from './binfmt';
import { Host } from './host';
import { askVersion, findEngine } from './engine';
import { restartEngine } from './restart';
import { vaociVersion } from '../version';
import { CONTAINERD_CONFIG } from './containerd';
import { ENGINE_CONFIGS, type Plan, type PlanOptions, plan } from './plan';
import {
  type InstallRecord,
  type Mode,
  type RecordedFile,
  backupPath,
  findRecord,
  readRecord,
  recordPath,
  removeSideRecords,
  sidePath,
  writeRecord,
} from './record';

/** InstallResult is what `vaoci node install --json` prints (schemas/cli-node-install.schema.json). */
export interface InstallResult {
  engine: InstallRecord['engine'];
  /** mode: how containers reach vaoci here (auto settled: nri when the engine serves NRI). */
  mode: Mode;
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
  const binfmt = b && {
    entry: b.entry,
    fronts: b.front.name,
    interpreter: registeredPath(o.host, b.bundlePath),
    changed: changed.includes(b.bundlePath) || old?.binfmt?.entry !== b.entry,
  };
  return {
    result: {
      engine: p.engine,
      mode: p.mode,
      prefix: o.prefix,
      host_root: o.host.root,
      changed,
      restart: engineChanged ? p.restart : [],
      restarted: null,
      binfmt,
    },
    configDiff: p.configDiff,
  };
}

/** differs tells whether a planned file is missing on the node, or there with other bytes or another mode. */
function differs(host: Host, f: Plan['files'][number]): boolean {
  if (!host.exists(f.path)) return true;
  return sha256Of(fs.readFileSync(host.at(f.path))) !== sha256Of(f.data) || (fs.statSync(host.at(f.path)).mode & 0o7777) !== f.mode;
}

/**
 * install applies the plan for these options and updates the record; with `restart`, restarts the engine when its config changed.
 *
 * Crash-safe (killed, out of disk, a read-only file system, at any step):
 * the record is written first, naming every file this run may write, the
 * backup of each file it replaces and every directory it may create, so
 * whatever the run got to, the next install resumes it and an uninstall
 * undoes it. A backup is written before the file it keeps is replaced: a
 * recorded backup that is missing means that file was never replaced (or was
 * put back already), and it is kept now. Each file is written whole (Host).
 */
export function install(o: PlanOptions & { restart?: boolean; restartCommand?: string[] }): InstallResult {
  const host = o.host;
  const old = readRecord(host, o.prefix);
  const p: Plan = plan({ ...o, oldBinfmt: old?.binfmt });
  const entries = p.files.map((f) => entryFor(host, o.prefix, f, old));
  const gone = old?.files.filter((r) => !p.files.some((f) => f.path === r.path)) ?? [];
  const record = intent(host, o.prefix, p, old, entries, gone);
  // An interrupted run's config change is still owed its restart (its intent record says so).
  const owed = Boolean(old?.pending_restart);
  writeRecord(host, record); // before any change to the node

  const changed: string[] = [];
  let engineChanged = owed;
  for (const [i, f] of p.files.entries()) {
    const backup = entries[i].backup;
    if (backup && !host.exists(backup) && host.exists(f.path)) keep(host, f.path, backup, record);
    if (differs(host, f)) {
      for (const d of host.write(f.path, f.data, f.mode)) addDir(record, d);
      changed.push(f.path);
      engineChanged ||= f.config;
    }
  }
  // Files an older install wrote that this plan no longer has (another engine, a bundle no longer wanted): undo them too.
  for (const r of gone) {
    undo(host, r);
    changed.push(r.path);
    engineChanged ||= ENGINE_CONFIGS.includes(r.path);
  }
  record.files = entries;
  // binfmt_misc after the files: the kernel opens the bundle as it registers it (flag F).
  let binfmt: InstallResult['binfmt'] = null;
  if (old?.binfmt && (!p.binfmt || p.binfmt.entry !== old.binfmt.entry)) removeBinfmt(host, old.binfmt);
  delete record.binfmt;
  if (p.binfmt) {
    const registered = registeredPath(host, p.binfmt.bundlePath);
    record.binfmt = { entry: p.binfmt.entry, fronts: p.binfmt.front.name, interpreter: registered };
    if (old?.binfmt && old.binfmt.entry !== record.binfmt.entry) writeRecord(host, record); // a failure below still leaves a record uninstall can undo
    binfmt = { ...record.binfmt, changed: applyBinfmt(host, p.binfmt, registered, changed.includes(p.binfmt.bundlePath)) };
  }
  // Recorded before the restart: one that fails is still owed to the next install --restart.
  // (Without --restart the line says what to restart; whether someone did, vaoci cannot know.)
  record.pending_restart = Boolean(o.restart) && engineChanged && p.restart.length > 0; // nri: nothing to restart
  writeRecord(host, record);
  let restarted: string | null = null;
  if (o.restart && record.pending_restart) {
    restarted = restartEngine(host, p.engine, o.restartCommand);
    writeRecord(host, { ...record, pending_restart: false });
  }
  return {
    engine: p.engine,
    mode: p.mode,
    prefix: o.prefix,
    host_root: host.root,
    changed,
    restart: engineChanged && !restarted ? p.restart : [],
    restarted,
    binfmt,
  };
}

/**
 * intent is the record written before anything else: the planned files and
 * the older ones still to undo, every directory the run may create (those
 * missing now), the registration to undo (the old one until it is gone),
 * and whether the engine's config will change — an interrupted run's
 * change is still owed its restart. It also clears what a killed write left.
 */
function intent(
  host: Host,
  prefix: string,
  p: Plan,
  old: InstallRecord | undefined,
  entries: RecordedFile[],
  gone: RecordedFile[],
): InstallRecord {
  const binary = findEngine(host, p.engine)?.binary;
  const configChanges = p.files.some((f) => f.config && differs(host, f)) || gone.some((r) => ENGINE_CONFIGS.includes(r.path));
  const record: InstallRecord = {
    version: 1,
    engine: p.engine,
    // only nri is written: a runtime-class record keeps the form older vaoci reads (a downgrade
    // installs over it), and an older vaoci refusing an nri record is right, as it has no nri mode
    ...(p.mode === 'nri' ? { mode: p.mode } : {}),
    prefix,
    vaoci_version: vaociVersion(),
    engine_version: binary ? askVersion(host, binary) : null,
    files: [...entries, ...gone],
    created_dirs: [...(old?.created_dirs ?? [])],
    restart: p.restart,
    pending_restart: (configChanges || Boolean(old?.pending_restart)) && p.restart.length > 0,
  };
  const backups = entries.flatMap((e) => (e.backup ? [e.backup] : []));
  for (const d of [prefix, ...[...p.files.map((f) => f.path), ...backups].map((f) => path.posix.dirname(f))].flatMap((dir) =>
    host.missingDirs(dir),
  ))
    addDir(record, d);
  if (old?.binfmt) record.binfmt = old.binfmt;
  else if (p.binfmt)
    record.binfmt = { entry: p.binfmt.entry, fronts: p.binfmt.front.name, interpreter: registeredPath(host, p.binfmt.bundlePath) };
  for (const f of [...record.files.map((r) => r.path), ...backups]) host.removeTemp(f);
  return record;
}

/** entryFor is a planned file's record entry: its backup is the one already recorded, or a new one when the node has a file there vaoci did not write. */
function entryFor(host: Host, prefix: string, f: Plan['files'][number], old: InstallRecord | undefined): RecordedFile {
  const known = old?.files.find((r) => r.path === f.path);
  const backup = known ? known.backup : host.exists(f.path) ? backupPath(prefix, f.path) : null;
  return { path: f.path, sha256: sha256Of(f.data), mode: f.mode, backup };
}

function addDir(record: InstallRecord, d: string): void {
  if (!record.created_dirs.includes(d)) record.created_dirs.push(d);
}

/** keep copies a file vaoci is about to replace into its backup. */
function keep(host: Host, file: string, to: string, record: InstallRecord): void {
  const mode = fs.statSync(host.at(file)).mode & 0o7777;
  for (const d of host.write(to, fs.readFileSync(host.at(file)), mode)) addDir(record, d);
}

/**
 * undo puts one file back as it was before vaoci: restored from its backup,
 * or removed when vaoci created it — except a root config vaoci created
 * that has been changed since: it is the node's config now, and kept. A
 * recorded backup that is missing was never needed (the file was not
 * replaced) or was put back already (an uninstall killed after that): the
 * file is the node's own, and stays.
 */
function undo(host: Host, f: RecordedFile): boolean {
  host.removeTemp(f.path);
  if (f.backup) host.removeTemp(f.backup);
  if (!f.backup && f.path === CONTAINERD_CONFIG && host.exists(f.path) && sha256Of(fs.readFileSync(host.at(f.path))) !== f.sha256)
    return false;
  if (f.backup) {
    if (!host.exists(f.backup)) return true;
    host.write(f.path, fs.readFileSync(host.at(f.backup)), fs.statSync(host.at(f.backup)).mode & 0o7777);
    host.remove(f.backup);
  } else if (host.exists(f.path)) {
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

/**
 * uninstall undoes the record, newest change first, and removes the record —
 * last, and from outside PREFIX when vaoci created PREFIX: the record is
 * moved beside the outermost directory vaoci made before those directories
 * go, so an uninstall killed at any step is finished by the next one and
 * leaves the node byte for byte as it was before install.
 */
export function uninstall(host: Host, prefix: string, restart = false, restartCommand?: string[]): UninstallResult {
  const found = findRecord(host, prefix);
  if (!found) {
    host.removeTemp(recordPath(prefix)); // what an install killed before its first record left
    removeSideRecords(host, prefix);
    return { installed: false, host_root: host.root, restored: [], restart: [], restarted: null };
  }
  const { record } = found;
  if (record.binfmt) removeBinfmt(host, record.binfmt); // before its bundle goes
  const restored = [...record.files]
    .reverse()
    .filter((f) => undo(host, f))
    .map((f) => f.path);
  // PREFIX and the directories above it that vaoci made hold the record: they go after it moves out.
  const holding = record.created_dirs.filter((d) => d === prefix || prefix.startsWith(`${d}/`)).sort((a, b) => a.length - b.length);
  for (const d of [...record.created_dirs].reverse()) if (!holding.includes(d)) host.removeDirIfEmpty(d);
  host.removeTemp(recordPath(prefix));
  if (holding.length) {
    const side = sidePath(prefix, path.posix.dirname(holding[0]));
    if (found.at !== side) host.move(found.at, side);
    for (const d of [...holding].reverse()) host.removeDirIfEmpty(d);
  } else {
    host.remove(found.at);
  }
  removeSideRecords(host, prefix);
  // an nri install never touched the engine's config: nothing to restart
  const engineConfig = record.files.some((f) => ENGINE_CONFIGS.includes(f.path));
  const restarted = restart && engineConfig ? restartEngine(host, record.engine, restartCommand) : null;
  return { installed: true, host_root: host.root, restored, restart: restarted || !engineConfig ? [] : record.restart, restarted };
}

export { Host };
