/**
 * Platforms (`os/architecture[/variant]`), for choosing one image of a
 * multi-platform index. vaoci runs x86 images, so the default is
 * linux/amd64 whatever machine it runs on.
 */
import { badInput } from '../errors';

/** Platform is the OCI descriptor's platform object (the fields vaoci matches on). */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** DEFAULT_PLATFORM is what vaoci picks from an index when not told otherwise. */
export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** Names people use for Go's architecture names (uname -m's and Debian's). */
const ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i686: '386', i386: '386' };

/** parsePlatform reads `ARCH`, `OS/ARCH` or `OS/ARCH/VARIANT` (linux when OS is left out). */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  const ok = parts.length >= 1 && parts.length <= 3 && parts.every((p) => /^[a-z0-9_.-]+$/.test(p));
  if (!ok) throw badInput(`platform \`${text}\`: expected OS/ARCH[/VARIANT] such as linux/amd64, or ARCH alone`);
  const [os, arch, variant] = parts.length === 1 ? ['linux', parts[0]] : parts;
  return { os, architecture: ALIASES[arch] ?? arch, ...(variant ? { variant } : {}) };
}

/** formatPlatform prints a platform as `os/arch[/variant]`. */
export function formatPlatform(p: Partial<Platform> | undefined): string {
  if (!p?.os || !p.architecture) return 'unknown platform';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** matches tells whether a descriptor's platform is the wanted one (a variant counts only when one is wanted). */
export function matches(have: Partial<Platform> | undefined, want: Platform): boolean {
  if (!have || have.os !== want.os || have.architecture !== want.architecture) return false;
  return !want.variant || have.variant === want.variant;
}
