/**
 * The emulator of one container: as written, or (auto) the binfmt_misc
 * entry that handles the guest's ELF header. Native guests have none
 * (unless the setting is preload); a pod-wide emulator does not apply to them.
 */
import { detectedFrom, origin, sourceOf, type Decision } from './decision';
import { EXPECT } from './grammar.gen';
import { fmt, problemLine } from './line';
import type { Chosen } from './settings';
import type { BinfmtEntry, Detected, EmulatorName, GuestArch } from './types';
import type { Window } from './window';

/** binfmtFor returns the detected binfmt_misc entry for an emulated guest, or null. */
export function binfmtFor(guest: GuestArch, detected: Detected | undefined): BinfmtEntry | null {
  if (guest !== 'x86_64' && guest !== 'i386') return null;
  return detected?.binfmt?.[guest] ?? null;
}

/** resolveEmulator decides what runs the guest, from the setting, the guest, the window and binfmt_misc. */
export function resolveEmulator(
  ch: Chosen,
  guest: GuestArch,
  window: Window | null,
  detected: Detected | undefined,
): Decision<EmulatorName> {
  if (guest === 'native' || guest === 'unknown') {
    if (ch.word === 'preload' || ch.word === 'none')
      return { value: ch.word, source: sourceOf(ch), reason: `${origin(ch)} says ${ch.word}` };
    const why = ch.word === 'auto' ? `auto (${origin(ch)})` : `${origin(ch)} (${ch.raw}) applies to emulated containers only`;
    return { value: 'none', source: detectedFrom(ch), reason: `none for a ${guest} guest: ${why}` };
  }
  if (ch.word !== 'auto') return { value: ch.word as EmulatorName, source: sourceOf(ch), reason: `${origin(ch)} says ${ch.word}` };
  const entry = binfmtFor(guest, detected);
  if (entry) {
    const flags = entry.flags.includes('F')
      ? `flags ${entry.flags}`
      : `flags ${entry.flags || '(none)'}: without F the interpreter must exist inside the container`;
    return {
      value: entry.emulator,
      source: detectedFrom(ch),
      reason: `auto (${origin(ch)}): binfmt_misc entry ${entry.entry} runs ${guest} ELF with ${entry.interpreter} (${entry.linkage}, ${flags})`,
    };
  }
  const none: Decision<EmulatorName> = {
    value: 'none',
    source: detectedFrom(ch),
    reason: `auto (${origin(ch)}): no binfmt_misc entry runs ${guest} ELF on this node`,
  };
  if (window === null) return none;
  return { ...none, problem: problemLine(ch.lineKey, ch.raw, fmt(EXPECT.noBinfmt, guest)) };
}
