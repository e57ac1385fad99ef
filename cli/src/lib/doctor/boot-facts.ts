/**
 * What doctor needs of a probe, the part that holds until the machine
 * reboots, kept between runs (startup/kept.ts).
 */
import * as fs from 'node:fs';
import { probe } from '../probe';
import type { Arch } from '../reports';
import { fileIdentity, keep, keptFile, readKept } from '../startup/kept';
import { type RunOptions, locateTool } from '../tool';

/** BootFacts are the part of a probe that holds until the machine reboots. */
export interface BootFacts {
  arch: Arch;
  va_bits: number;
}

/** BOOT_ID changes with every boot of the kernel. */
export const BOOT_ID = '/proc/sys/kernel/random/boot_id';

/**
 * bootFacts is the tool's architecture and VA bits, kept in `cacheDir`
 * (startup/kept.ts) under this boot's id and the tool binary's identity:
 * neither answer changes until one of those does (the VA bits are the
 * kernel's, set at boot), and running the tool, with child_process loaded
 * for it, is a third of `vaoci doctor`'s start. Without a cache directory
 * or a boot id the tool runs every time. `vaoci probe` always runs it: its
 * stack and limits are a live process's.
 */
export async function bootFacts(cacheDir: string | undefined, opts: RunOptions = {}, bootIdFile = BOOT_ID): Promise<BootFacts> {
  const tool = opts.tool ?? locateTool();
  const ask = async (): Promise<BootFacts> => {
    const report = await probe({ ...opts, tool });
    return { arch: report.arch, va_bits: report.va_bits };
  };
  const id = fileIdentity(tool);
  const boot = readText(bootIdFile);
  if (!cacheDir || !id || !boot) return ask();
  const key = JSON.stringify(['probe', boot, ...id]);
  const file = keptFile(cacheDir, 'probe', key);
  const kept = parseBootFacts(readKept(file, key));
  if (kept) return kept;
  const facts = await ask();
  keep(file, key, JSON.stringify(facts));
  return facts;
}

/** parseBootFacts reads kept facts back; anything but the two fields with sane values is no answer. */
function parseBootFacts(text: string | undefined): BootFacts | undefined {
  try {
    const f = JSON.parse(text ?? '') as Partial<BootFacts>;
    const archOk = f.arch === 'x86_64' || f.arch === 'aarch64';
    const bitsOk = Number.isInteger(f.va_bits) && (f.va_bits as number) >= 32 && (f.va_bits as number) <= 64;
    return archOk && bitsOk ? { arch: f.arch as Arch, va_bits: f.va_bits as number } : undefined;
  } catch {
    return undefined; // nothing kept, or not JSON: ask the tool
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined; // no procfs here: nothing to key a kept answer by
  }
}
