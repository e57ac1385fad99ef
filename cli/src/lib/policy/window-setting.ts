/**
 * The window of one container: as written, or (auto) the guest
 * architecture's. A native container of a named pod takes a window only
 * from its own vaoci.io/va-limit.NAME: a pod-wide or node-wide window is
 * meant for the emulated containers and would squeeze native sidecars.
 */
import { detectedFrom, origin, sourceOf, type Decision } from './decision';
import type { Chosen } from './settings';
import type { GuestArch } from './types';
import { WINDOW_I386, WINDOW_X86_64, formatWindow, type Window } from './window';

/** resolveWindow decides the window (null for none) from its setting, the guest and the container's name. */
export function resolveWindow(ch: Chosen, guest: GuestArch, container: string): Decision<Window | null> {
  const written = ch.word === 'x86_64' ? WINDOW_X86_64 : ch.word === 'i386' ? WINDOW_I386 : (ch.window ?? null);
  if (ch.word === 'auto') {
    const w = guest === 'x86_64' ? WINDOW_X86_64 : guest === 'i386' ? WINDOW_I386 : null;
    const what = w ? `the ${guest} guest's window` : `none for a ${guest} guest`;
    return { value: w, source: detectedFrom(ch), reason: `auto (${origin(ch)}): ${what}` };
  }
  if (written && guest === 'native' && container !== '' && ch.source !== 'container-annotation') {
    return {
      value: null,
      source: detectedFrom(ch),
      reason: `none: ${origin(ch)} (${formatWindow(written)}) is for emulated containers; a native one takes a window only from its own vaoci.io/va-limit.${container}`,
    };
  }
  return { value: written, source: sourceOf(ch), reason: `${origin(ch)} says ${ch.raw}` };
}
