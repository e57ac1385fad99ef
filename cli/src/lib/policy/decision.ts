/**
 * Decision is one resolved field: its value, where it came from, why, and
 * (when it could not be decided) the problem line. Shared by the steps of
 * resolution (guest.ts, window-setting.ts, emulator.ts, injection.ts).
 */
import type { Chosen } from './settings';
import type { Source } from './types';

/** Decision carries one resolved value with its provenance and reason, or a problem line. */
export interface Decision<T> {
  value: T;
  source: Source;
  reason: string;
  problem?: string;
}

/** sourceOf gives the provenance of a setting taken as written. */
export function sourceOf(ch: Chosen): Source {
  return ch.key === undefined ? { source: ch.source } : { source: ch.source, key: ch.key };
}

/** detectedFrom gives the provenance of a setting that was auto (or overridden by facts): detected, keyed by where it came from. */
export function detectedFrom(ch: Chosen): Source {
  return ch.key === undefined ? { source: 'detected' } : { source: 'detected', key: ch.key };
}

/** origin phrases where a setting came from, for reasons: `the pod's vaoci.io/va-limit`. */
export function origin(ch: Chosen): string {
  switch (ch.source) {
    case 'container-annotation':
      return `this container's ${ch.key}`;
    case 'pod-annotation':
      return `the pod's ${ch.key}`;
    case 'node-config':
      return `the node config's ${ch.key}`;
    default:
      return 'the built-in default';
  }
}
