/**
 * Pod sandboxes: the engine's pause container gets no window and no
 * injection, whatever the pod's annotations say. containerd and CRI-O copy
 * the pod's annotations (vaoci.io/ ones included) into the sandbox's
 * config.json and give it no container name, so without this rule a
 * pod-wide window would land on pause, and a bad pod annotation would fail
 * the sandbox instead of the container it is for. The markers come from
 * schemas/gen/cri-sandbox.json (grammar.gen.ts); hook/policy/sandbox.c is
 * the same rule.
 */
import { SANDBOX } from './grammar.gen';
import type { Policy, Source } from './types';

/** sandboxMarker names the annotation that marks a pod sandbox, or undefined. */
export function sandboxMarker(annotations: Record<string, unknown>): string | undefined {
  return SANDBOX.find((m) => Object.prototype.hasOwnProperty.call(annotations, m.key) && annotations[m.key] === m.value)?.key;
}

/** sandboxPolicy is what every sandbox gets: nothing, each source saying why. */
export function sandboxPolicy(container: string, marker: string): Policy {
  const source: Source = { source: 'sandbox', key: marker };
  const why = `${marker}=sandbox: a pod sandbox (the engine's pause container), which vaoci leaves alone whatever the pod's annotations say`;
  return {
    container,
    guest_arch: 'native',
    va_limit: 'none',
    window: null,
    emulator: 'none',
    on_error: 'fail',
    injection: { method: 'none', env: {}, mounts: [] },
    sources: { va_limit: source, guest_arch: source, emulator: source, on_error: source },
    warnings: [],
    reasons: {
      va_limit: `no window: ${why}`,
      guest_arch: `native: the engine pulls the pause image for the node's own architecture`,
      emulator: 'none: nothing is emulated in a sandbox',
      on_error: 'fail: nothing is checked, so nothing can fail',
      injection: `nothing injected: ${why}`,
    },
  };
}
