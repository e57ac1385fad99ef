/**
 * resolvePolicy: annotations + node config + container name + detected facts
 * → the container's policy, or the problem lines that refuse it. A pure
 * function (it reads no file), so schemas/vectors/ can pin it down and the C
 * resolver (hook/policy/) can be held to the same answers.
 */
import { binfmtFor, resolveEmulator } from './emulator';
import { origin, sourceOf } from './decision';
import { detectionRequired, resolveGuest } from './guest';
import { decideInjection } from './injection';
import { collectSettings } from './settings';
import type { OnError, Resolution, ResolveInput } from './types';
import { formatWindow, windowJson } from './window';
import { resolveWindow } from './window-setting';
import { sandboxMarker, sandboxPolicy } from './sandbox';

/**
 * resolvePolicy resolves one container's policy. Problems come in a fixed
 * order: the annotations' (sorted by key bytes), the node config's defaults,
 * then at most one from resolution (the first of guest architecture,
 * emulator, injection). Under on-error fail any problem refuses the policy;
 * under warn the bad settings are skipped, an undecidable injection becomes
 * none, and the lines are returned as warnings. A pod sandbox (pause) gets
 * nothing, before anything is checked.
 */
export function resolvePolicy(input: ResolveInput): Resolution {
  // A pod sandbox first: the annotations are the pod's, not the sandbox's, so not even checked (sandbox.ts).
  const marker = sandboxMarker(input.annotations);
  if (marker) return { ok: true, policy: sandboxPolicy(input.container, marker) };
  const { chosen, problems } = collectSettings(input.annotations, input.nodeConfig, input.container);
  const onErrorSetting = chosen['on-error'];
  const onError = onErrorSetting.word as OnError;
  if (problems.length && onError === 'fail') return { ok: false, errors: problems };

  const guest = resolveGuest(chosen['guest-arch'], input.detected, detectionRequired(chosen));
  const win = resolveWindow(chosen['va-limit'], guest.value, input.container);
  const emu = resolveEmulator(chosen.emulator, guest.value, win.value, input.detected);
  const ep = input.detected?.entrypoint;
  const early = guest.problem ?? emu.problem;
  const inj = early
    ? { injection: { method: 'none' as const, env: {}, mounts: [] }, reason: 'nothing injected: see the warning', problem: undefined }
    : decideInjection({
        guest: guest.value,
        window: win.value,
        emulator: emu.value,
        onError,
        va: chosen['va-limit'],
        emu: chosen.emulator,
        entry: binfmtFor(guest.value, input.detected),
        workload: ep && !('error' in ep) ? { path: ep.path, linkage: ep.linkage } : undefined,
        nodeConfig: input.nodeConfig,
      });
  const problem = early ?? inj.problem;
  if (problem && onError === 'fail') return { ok: false, errors: [problem] };

  return {
    ok: true,
    policy: {
      container: input.container,
      guest_arch: guest.value,
      va_limit: win.value ? formatWindow(win.value) : 'none',
      window: win.value ? windowJson(win.value) : null,
      emulator: emu.value,
      on_error: onError,
      injection: inj.injection,
      sources: { va_limit: win.source, guest_arch: guest.source, emulator: emu.source, on_error: sourceOf(onErrorSetting) },
      warnings: problem ? [...problems, problem] : problems,
      reasons: {
        va_limit: win.reason,
        guest_arch: guest.reason,
        emulator: emu.reason,
        on_error: `${origin(onErrorSetting)} says ${onError}`,
        injection: inj.reason,
      },
    },
  };
}
