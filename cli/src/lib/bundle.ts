/**
 * The binfmt bundle (native/include/vaoci/bundle.h): vaoci-launch with the
 * emulator it fronts and its launch.conf appended, one file for binfmt_misc
 * to pin with flag F. vaoci-binfmt reads the parts back through
 * /proc/self/exe, so neither the emulator nor the configuration has to be
 * visible inside the container.
 *
 *   [vaoci-launch][zeros][emulator, at a multiple of 64 KiB][launch.conf][zeros][64-byte trailer]
 */
import * as fs from 'node:fs';

export const BUNDLE_MAGIC = 'VAOCIBN1';
const ALIGN = 65536; // the emulator's segments map straight from the file on 4, 16 and 64 KiB pages
const TRAILER = 64;
export const BUNDLE_CONFIG_MAX = 8191;

/** LaunchConfig is the bundle's launch.conf: the emulator's original path (its argv[0]) and the default window. */
export interface LaunchConfig {
  emulator: string;
  va_limit?: string;
  on_error?: 'fail' | 'warn';
}

/** launchConfigText renders launch.conf's `key = value` lines. */
export function launchConfigText(c: LaunchConfig): string {
  const lines = ['# written by vaoci node install', `emulator = ${c.emulator}`];
  if (c.va_limit) lines.push(`va-limit = ${c.va_limit}`);
  if (c.on_error) lines.push(`on-error = ${c.on_error}`);
  return `${lines.join('\n')}\n`;
}

/** parseLaunchConfig reads launch.conf's keys (the launcher checks them; this only shows them). */
export function parseLaunchConfig(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith('#')) out[m[1]] = m[2];
  }
  return out;
}

const up = (n: number, a: number): number => Math.ceil(n / a) * a;

/** buildBundle lays the parts out as bundle.h says. */
export function buildBundle(launcher: Buffer, emulator: Buffer, config: string): Buffer {
  const conf = Buffer.from(config, 'utf8');
  if (conf.length > BUNDLE_CONFIG_MAX) throw new RangeError(`launch.conf: ${conf.length} bytes, at most ${BUNDLE_CONFIG_MAX}`);
  const emulatorOffset = up(launcher.length, ALIGN);
  const configOffset = emulatorOffset + emulator.length;
  const trailerOffset = up(configOffset + conf.length, 8);
  const out = Buffer.alloc(trailerOffset + TRAILER);
  launcher.copy(out, 0);
  emulator.copy(out, emulatorOffset);
  conf.copy(out, configOffset);
  const t = out.subarray(trailerOffset);
  t.writeBigUInt64LE(BigInt(emulatorOffset), 0);
  t.writeBigUInt64LE(BigInt(emulator.length), 8);
  t.writeBigUInt64LE(BigInt(configOffset), 16);
  t.writeBigUInt64LE(BigInt(conf.length), 24);
  t.write(BUNDLE_MAGIC, 56, 'latin1');
  return out;
}

/** BundleInfo is what a bundle carries, as found in its trailer. */
export interface BundleInfo {
  emulatorOffset: number;
  emulatorSize: number;
  /** config: the launch.conf's keys as written (for showing; launch-conf.ts reads it as the launcher does). */
  config: Record<string, string>;
  configText: string;
}

/** readBundleFile reads a bundle's trailer and configuration; null when the file is no bundle (or unreadable, or damaged). */
export function readBundleFile(file: string): BundleInfo | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    if (size < TRAILER) return null;
    const t = Buffer.alloc(TRAILER);
    fs.readSync(fd, t, 0, TRAILER, size - TRAILER);
    if (t.toString('latin1', 56, 64) !== BUNDLE_MAGIC) return null;
    const [emulatorOffset, emulatorSize, configOffset, configSize] = [0, 8, 16, 24].map((o) => Number(t.readBigUInt64LE(o)));
    const end = size - TRAILER;
    const fits =
      emulatorOffset > 0 &&
      emulatorOffset % ALIGN === 0 &&
      emulatorSize > 0 &&
      emulatorOffset + emulatorSize <= configOffset &&
      configOffset + configSize <= end &&
      configSize <= BUNDLE_CONFIG_MAX;
    if (!fits) return null;
    const conf = Buffer.alloc(configSize);
    fs.readSync(fd, conf, 0, configSize, configOffset);
    const configText = conf.toString('utf8');
    return { emulatorOffset, emulatorSize, config: parseLaunchConfig(configText), configText };
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
