/**
 * vaoci-binfmt in front of a static emulator, the part of `vaoci node
 * install` that talks to the kernel. A static qemu ignores LD_PRELOAD, and
 * vaoci-launch in process.args covers only the container's first process;
 * registered in binfmt_misc, vaoci-binfmt reserves in every x86 process,
 * children too, in any container on the node.
 *
 * The bundle (../bundle.ts: vaoci-launch + the emulator + launch.conf, one
 * file) is registered under `vaoci-<entry>` with the entry's own magic, mask,
 * offset and flags plus F, then the entry it fronts is disabled (not
 * removed), so exactly one registration matches. Uninstall removes ours and
 * enables it again. binfmt_misc is not persistent: after a reboot the node's
 * own registration is back and the DaemonSet's install puts vaoci in front
 * again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure, badInput } from '../errors';
import { buildBundle, launchConfigText } from '../bundle';
import { type Registration, detectBinfmt, hostBinfmtIo, readRegistrations } from '../policy/binfmt';
import type { Host } from './host';

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

/** BinfmtRecord is what the install record keeps: our entry and the one it fronts. */
export interface BinfmtRecord {
  entry: string;
  fronts: string;
  interpreter: string;
}

export interface BinfmtOptions {
  /** front: `auto` (the x86-64 entry, when its interpreter is a static qemu), `never`, or an entry's name. */
  front: string;
  /** vaLimit is the bundle's default window (a container's VAOCI_VA_LIMIT overrides it). */
  vaLimit: string;
  /** launcher is vaoci-launch's bytes, for the node's architecture. */
  launcher: Buffer;
}

/** BinfmtPlan is the bundle to write and the registration to make. */
export interface BinfmtPlan {
  front: Registration;
  entry: string;
  /** bundlePath is the bundle's node path. */
  bundlePath: string;
  bundle: Buffer;
  flags: string;
}

const dirOf = (host: Host) => host.at(BINFMT_DIR);

/** planBinfmt decides the registration, or null when there is nothing to front. */
export function planBinfmt(host: Host, prefix: string, o: BinfmtOptions, old?: BinfmtRecord): BinfmtPlan | null {
  if (o.front === 'never') return null;
  const regs = readRegistrations(dirOf(host));
  const front = pickFront(host, regs, o.front, old);
  if (!front) return null;
  const entry = old?.fronts === front.name ? old.entry : `vaoci-${front.name}`;
  const bundlePath = path.posix.join(prefix, 'binfmt', front.name, 'vaoci-binfmt'); // the name is vaoci-launch's switch
  const emulator = readEmulator(host, front);
  const bundle = buildBundle(o.launcher, emulator, launchConfigText({ emulator: front.interpreter, va_limit: o.vaLimit }));
  return { front, entry, bundlePath, bundle, flags: front.flags.includes('F') ? front.flags : `${front.flags}F` };
}

/**
 * registeredPath is the path the kernel opens (flag F: now, in this mount
 * namespace) and later shows as the interpreter: the node's own path when it
 * is the same file here (host root /, or PREFIX mounted at its node path too,
 * as the chart does), else the path under the host root.
 */
export function registeredPath(host: Host, nodePath: string): string {
  const under = host.at(nodePath);
  try {
    const [a, b] = [fs.statSync(nodePath), fs.statSync(under)];
    if (a.dev === b.dev && a.ino === b.ino) return nodePath;
  } catch {
    // not here at its node path
  }
  return under;
}

/** pickFront finds the entry to front: the one we front already, the one named, or (auto) the x86-64 entry run by a static qemu. */
function pickFront(host: Host, regs: Registration[], front: string, old?: BinfmtRecord): Registration | null {
  if (old) {
    const again = regs.find((r) => r.name === old.fronts);
    if (again && (front === 'auto' || front === old.fronts)) return again;
  }
  if (front !== 'auto') {
    const named = regs.find((r) => r.name === front);
    if (!named)
      throw badInput(
        `--binfmt \`${front}\`: no such binfmt_misc entry — expected auto, never, or one of: ${regs.map((r) => r.name).join(', ') || '(none registered)'}`,
      );
    if (named.magic === undefined) throw badInput(`--binfmt \`${front}\`: an extension entry — expected one that matches by magic`);
    return named;
  }
  // binfmt detection's own view: the entry that runs x86-64 ELF, named, with its linkage (a dynamic qemu takes the preload)
  const x86 = detectBinfmt(dirOf(host), hostBinfmtIo(host.root)).x86_64;
  if (!x86 || x86.launcher || x86.emulator !== 'qemu' || x86.linkage !== 'static') return null;
  return regs.find((r) => r.name === x86.entry) ?? null;
}

/** linkageOf reads a node interpreter's linkage, as binfmt detection does; null when it is not readable ELF. */
function linkageOf(host: Host, interpreter: string): string | null {
  return hostBinfmtIo(host.root).interpreterElf(interpreter)?.linkage ?? null;
}

function readEmulator(host: Host, front: Registration): Buffer {
  if (linkageOf(host, front.interpreter) !== 'static') {
    throw badInput(
      `--binfmt \`${front.name}\`: its interpreter ${front.interpreter} is not a statically linked ELF — expected one vaoci-launch can load (a dynamic emulator takes the preload)`,
    );
  }
  return fs.readFileSync(host.at(front.interpreter));
}

/** hex writes bytes as binfmt_misc's register line wants them: \xHH each (so no byte can end a field). */
const hex = (b: Buffer): string => [...b].map((x) => `\\x${x.toString(16).padStart(2, '0')}`).join('');

/** registerLine is `:name:M:offset:magic:mask:interpreter:flags`, the magic and mask the entry's own. */
export function registerLine(entry: string, front: Registration, interpreter: string, flags: string): string {
  const magic = front.magic as Buffer;
  return `:${entry}:M:${front.offset}:${hex(magic)}:${front.mask ? hex(front.mask) : ''}:${interpreter}:${flags}`;
}

/** registered reads one entry's registration, or null. */
function registration(host: Host, name: string): Registration | null {
  return readRegistrations(dirOf(host)).find((r) => r.name === name) ?? null;
}

/** write is one write to the kernel; a refusal is one line naming the entry. */
function write(host: Host, file: string, text: string): void {
  try {
    fs.writeFileSync(path.join(dirOf(host), file), text);
  } catch (e) {
    throw new Failure(`binfmt_misc: write \`${file}\`: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'system');
  }
}

/**
 * applyBinfmt registers the plan (after the bundle is written). Returns
 * whether the kernel's state changed. An entry already registered from the
 * same file with the same bundle bytes is left alone; flag F pinned the file
 * that was there at registration, so a new bundle means registering again.
 *
 * The order keeps one working handler for x86 binaries after every single
 * write, wherever the installer is killed: binfmt_misc tries the newest
 * registration first, so ours (newer) wins while the fronted entry is still
 * enabled, and the fronted entry is enabled again before ours is taken away
 * to be registered anew. Never is neither of the two enabled.
 */
export function applyBinfmt(host: Host, p: BinfmtPlan, registered: string, bundleChanged: boolean): boolean {
  const ours = registration(host, p.entry);
  let changed = false;
  if (ours && (bundleChanged || ours.interpreter !== registered || !ours.enabled)) {
    if (registration(host, p.front.name)?.enabled === false) write(host, p.front.name, '1');
    write(host, p.entry, '-1');
    changed = true;
  }
  if (!ours || changed) {
    write(host, 'register', registerLine(p.entry, p.front, registered, p.flags));
    changed = true;
  }
  if (registration(host, p.front.name)?.enabled) {
    write(host, p.front.name, '0');
    changed = true;
  }
  return changed;
}

/** removeBinfmt undoes a recorded registration: the fronted entry enabled again first (ours, newer, still wins meanwhile), then ours removed. */
export function removeBinfmt(host: Host, r: BinfmtRecord): void {
  if (registration(host, r.fronts)?.enabled === false) write(host, r.fronts, '1');
  if (registration(host, r.entry)) write(host, r.entry, '-1');
}
