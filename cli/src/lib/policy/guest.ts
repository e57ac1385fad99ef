/**
 * The guest architecture: as written, or (auto) from the entrypoint's ELF
 * header detected inside the rootfs. An entrypoint of the node's own
 * architecture is native (so is i386 on an x86-64 node: the kernel runs it).
 * An entrypoint that cannot be told is a problem only when something asked
 * for a window (see detectionRequired): containers nobody annotated pass
 * unchanged.
 */
import { detectedFrom, origin, sourceOf, type Decision } from './decision';
import { EXPECT } from './grammar.gen';
import { fmt, problemLine } from './line';
import type { Chosen } from './settings';
import type { Detected, GuestArch, SettingKey } from './types';

/**
 * detectionRequired: an undetectable guest refuses the container only when a
 * window was asked for: a vaoci.io annotation applies to it (and its va-limit
 * is not none), or the va-limit is a concrete window. The default auto acts
 * only on the guests it recognizes.
 */
export function detectionRequired(chosen: Record<SettingKey, Chosen>): boolean {
  const va = chosen['va-limit'];
  if (va.word === 'none') return false;
  if (va.word !== 'auto') return true;
  return Object.values(chosen).some((c) => c.source === 'pod-annotation' || c.source === 'container-annotation');
}

/** resolveGuest decides the guest architecture from its setting and the detected entrypoint. */
export function resolveGuest(ch: Chosen, detected: Detected | undefined, required: boolean): Decision<GuestArch> {
  if (ch.word !== 'auto') {
    return { value: ch.word as GuestArch, source: sourceOf(ch), reason: `${origin(ch)} says ${ch.word}` };
  }
  const ep = detected?.entrypoint;
  const host = detected?.host_arch ?? 'aarch64';
  const unknown = (detail: string): Decision<GuestArch> =>
    required
      ? {
          value: 'unknown',
          source: detectedFrom(ch),
          reason: `auto (${origin(ch)}), but ${detail}`,
          problem: problemLine(ch.lineKey, ch.raw, fmt(EXPECT.guestUndetected, detail)),
        }
      : { value: 'unknown', source: detectedFrom(ch), reason: `auto (${origin(ch)}), but ${detail}: no window, since none was asked for` };
  if (!ep) return unknown(EXPECT.noEntrypoint);
  if ('error' in ep) return unknown(ep.error);
  const what = `the entrypoint ${ep.path} is ${ep.arch} ELF (${ep.linkage === 'static' ? 'statically' : 'dynamically'} linked)`;
  if (ep.arch === host || (host === 'x86_64' && ep.arch === 'i386')) {
    return { value: 'native', source: detectedFrom(ch), reason: `auto (${origin(ch)}): ${what}, native on this ${host} node` };
  }
  if (ep.arch === 'aarch64') return unknown(fmt(EXPECT.foreignArch, ep.path, ep.arch, host));
  return { value: ep.arch, source: detectedFrom(ch), reason: `auto (${origin(ch)}): ${what}` };
}
