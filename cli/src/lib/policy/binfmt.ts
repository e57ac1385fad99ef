/**
 * binfmt_misc: which registered interpreter runs x86-64 and i386 ELF on
 * this node. Reads the kernel's registration files (one per entry under
 * /proc/sys/fs/binfmt_misc, plus `status`), matches their magic and mask
 * against real ELF headers, and names the interpreter.
 *
 * The kernel's format, one file per entry:
 *
 *     enabled
 *     interpreter /usr/libexec/qemu-binfmt/x86_64-binfmt-P
 *     flags: POCF
 *     offset 0
 *     magic 7f454c4602010100000000000000000002003e00
 *     mask fffffffffffefe00fffffffffffffffffeffffff
 *
 * (`extension .EXT` instead of offset/magic/mask for extension entries).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readBundleFile } from '../bundle';
import { launchConfEmulator } from '../launch-conf';
import { ElfError, readElf, readerFor } from './elf';
import type { BinfmtEmulator, BinfmtEntry } from './types';

/** Registration is one binfmt_misc entry as the kernel prints it. */
export interface Registration {
  name: string;
  enabled: boolean;
  interpreter: string;
  flags: string;
  offset: number;
  magic?: Buffer;
  mask?: Buffer;
  extension?: string;
}

/** parseRegistration reads one registration file's text; null when it is not one (register, status, junk). */
export function parseRegistration(name: string, text: string): Registration | null {
  const lines = text.split('\n').map((l) => l.trim());
  if (lines[0] !== 'enabled' && lines[0] !== 'disabled') return null;
  const reg: Registration = { name, enabled: lines[0] === 'enabled', interpreter: '', flags: '', offset: 0 };
  for (const line of lines.slice(1)) {
    const [word, ...rest] = line.split(/\s+/);
    const value = rest.join(' ');
    if (word === 'interpreter') reg.interpreter = value;
    else if (word === 'flags:') reg.flags = value;
    else if (word === 'offset') reg.offset = Number.parseInt(value, 10) || 0;
    else if (word === 'magic') reg.magic = hexBytes(value);
    else if (word === 'mask') reg.mask = hexBytes(value);
    else if (word === 'extension') reg.extension = value;
  }
  return reg.interpreter ? reg : null;
}

/** MAGIC_MAX is the kernel's longest magic (BINPRM_BUF_SIZE's half): longer is not a magic (as hook/common/binfmt.c). */
const MAGIC_MAX = 128;

/** hexBytes reads a whole hex string; undefined for a partial one, a bad digit or more than MAGIC_MAX bytes. */
function hexBytes(text: string): Buffer | undefined {
  return /^([0-9a-fA-F]{2})+$/.test(text) && text.length <= 2 * MAGIC_MAX ? Buffer.from(text, 'hex') : undefined;
}

/** matches applies the kernel's test: (header[offset+i] ^ magic[i]) & mask[i] == 0 for every magic byte. */
export function matches(reg: Registration, header: Buffer): boolean {
  if (!reg.magic || reg.extension !== undefined) return false;
  if (reg.offset + reg.magic.length > header.length) return false;
  for (let i = 0; i < reg.magic.length; i++) {
    const mask = reg.mask ? (reg.mask[i] ?? 0xff) : 0xff;
    if ((header[reg.offset + i] ^ reg.magic[i]) & mask) return false;
  }
  return true;
}

/** elfHeader builds a realistic 64-byte little-endian ELF header (e_version 1) for matching. */
export function elfHeader(arch: 'x86_64' | 'i386', type: 'exec' | 'dyn'): Buffer {
  const h = Buffer.alloc(64);
  h.write('\x7fELF', 0, 'latin1');
  h[4] = arch === 'x86_64' ? 2 : 1; // EI_CLASS
  h[5] = 1; // EI_DATA: little-endian
  h[6] = 1; // EI_VERSION
  h.writeUInt16LE(type === 'exec' ? 2 : 3, 16);
  h.writeUInt16LE(arch === 'x86_64' ? 62 : 3, 18);
  h.writeUInt32LE(1, 20);
  return h;
}

/** handles says whether a registration runs an arch's executables or PIEs. */
export function handles(reg: Registration, arch: 'x86_64' | 'i386'): boolean {
  return matches(reg, elfHeader(arch, 'exec')) || matches(reg, elfHeader(arch, 'dyn'));
}

/** emulatorName names an interpreter by its file name, else its whole path: FEX, box64, qemu, Rosetta, or unknown. */
export function emulatorName(interpreter: string): BinfmtEmulator {
  for (const text of [path.posix.basename(interpreter), interpreter]) {
    const t = text.toLowerCase();
    if (t.includes('fex')) return 'fex';
    if (t.includes('box64')) return 'box64';
    if (t.includes('qemu')) return 'qemu';
    if (t.includes('rosetta')) return 'rosetta';
  }
  return 'unknown';
}

/** BinfmtIo is how binfmt detection reads the node: the registration directory and the interpreters. */
export interface BinfmtIo {
  list(dir: string): string[];
  readText(file: string): string;
  /** interpreterElf returns the interpreter's linkage and loader, or null when it cannot be read as ELF. */
  interpreterElf(file: string): { linkage: 'static' | 'dynamic'; interp?: string } | null;
  /** launcherBehind returns, when the interpreter is vaoci-binfmt, the emulator it launches ('' when not named); else null. */
  launcherBehind(file: string): string | null;
}

/** LAUNCH_CONF is a plain vaoci-binfmt's configuration (native/launch/binfmt.c); a bundle carries its own. */
export const LAUNCH_CONF = '/etc/vaoci/launch.conf';

/** hostBinfmtIo reads a node whose / is at `root` (the DaemonSet's /host): interpreters and launch.conf are node paths. */
export function hostBinfmtIo(root = '/'): BinfmtIo {
  const at = (p: string) => path.join(root, p);
  return {
    list: (dir) => fs.readdirSync(dir),
    readText: (file) => fs.readFileSync(file, 'latin1'),
    interpreterElf: (file) => {
      let fd: number | undefined;
      try {
        fd = fs.openSync(at(file), 'r');
        const elf = readElf(readerFor(fd, fs.readSync));
        return { linkage: elf.linkage, interp: elf.interp };
      } catch (e) {
        if (e instanceof ElfError || (e as NodeJS.ErrnoException).code) return null;
        throw e;
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
    },
    launcherBehind: (file) => {
      const bundle = readBundleFile(at(file));
      if (bundle) return launchConfEmulator(bundle.configText);
      if (path.posix.basename(file) !== 'vaoci-binfmt') return null;
      try {
        return launchConfEmulator(fs.readFileSync(at(LAUNCH_CONF), 'utf8'));
      } catch {
        return '';
      }
    },
  };
}

/** nodeBinfmtIo reads the real node. */
export const nodeBinfmtIo: BinfmtIo = hostBinfmtIo('/');

/** readRegistrations lists the registrations in a binfmt_misc directory, sorted by name; none when `status` says disabled. */
export function readRegistrations(dir: string, io: BinfmtIo = nodeBinfmtIo): Registration[] {
  let names: string[];
  try {
    names = io.list(dir).sort();
  } catch {
    return [];
  }
  if (names.includes('status') && io.readText(path.join(dir, 'status')).trim() === 'disabled') return [];
  const regs: Registration[] = [];
  for (const name of names.filter((n) => n !== 'status' && n !== 'register')) {
    let text: string;
    try {
      text = io.readText(path.join(dir, name));
    } catch {
      continue;
    }
    const reg = parseRegistration(name, text);
    if (reg) regs.push(reg);
  }
  return regs;
}

/**
 * detectBinfmt finds, for x86-64 and i386 ELF, the first enabled
 * registration (by name) that runs it, named and with its interpreter's
 * linkage, or null. A vaoci-binfmt interpreter is named after the emulator
 * behind it, marked launcher.
 */
export function detectBinfmt(dir: string, io: BinfmtIo = nodeBinfmtIo): { x86_64: BinfmtEntry | null; i386: BinfmtEntry | null } {
  const enabled = readRegistrations(dir, io).filter((r) => r.enabled);
  const pick = (arch: 'x86_64' | 'i386'): BinfmtEntry | null => {
    const reg = enabled.find((r) => handles(r, arch));
    if (!reg) return null;
    const behind = io.launcherBehind(reg.interpreter);
    if (behind !== null) {
      // vaoci-binfmt: the emulator it carries (or names) is what runs the guest; vaoci-launch loads only static ones
      return {
        entry: reg.name,
        emulator: behind ? emulatorName(behind) : 'unknown',
        interpreter: reg.interpreter,
        flags: reg.flags,
        linkage: 'static',
        launcher: true,
      };
    }
    const elf = io.interpreterElf(reg.interpreter);
    const entry: BinfmtEntry = {
      entry: reg.name,
      emulator: emulatorName(reg.interpreter),
      interpreter: reg.interpreter,
      flags: reg.flags,
      linkage: elf?.linkage ?? 'unknown',
    };
    if (elf?.interp) entry.loader = elf.interp;
    return entry;
  };
  return { x86_64: pick('x86_64'), i386: pick('i386') };
}
