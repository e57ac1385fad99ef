/**
 * vaoci's oci-hooks(5) files: one per stage vaoci-hook serves, each gated on
 * a vaoci.io/ annotation so containers nobody annotated never run it. podman
 * takes precreate (vaoci-hook rewrites the config as vaoci-runtime would);
 * CRI-O, which has no precreate, takes createRuntime (the preload into the
 * rootfs) and poststart (the verdict). Documents of schemas/oci-hook.schema.json.
 */
import * as path from 'node:path';
import { NODE_CONFIG } from './nodeconfig';
import { validate } from './schema';

/** HOOK_STAGES are the stages vaoci-hook serves, in the order a container meets them. */
export const HOOK_STAGES = ['precreate', 'createRuntime', 'poststart'] as const;

/** HookStage is one of HOOK_STAGES. */
export type HookStage = (typeof HOOK_STAGES)[number];

/** ENGINE_STAGES: which files each engine's hooks directory needs. */
export const ENGINE_STAGES: Record<'podman' | 'cri-o', HookStage[]> = {
  podman: ['precreate'],
  'cri-o': ['createRuntime', 'poststart'],
};

/** DEFAULT_PREFIX is where `vaoci node install` puts vaoci on a node. */
export const DEFAULT_PREFIX = '/opt/vaoci';

/** OciHook is one oci-hooks(5) 1.0.0 document. */
export interface OciHook {
  version: '1.0.0';
  hook: { path: string; args: string[]; env?: string[] };
  when: { annotations: Record<string, string> };
  stages: HookStage[];
}

/** HookOptions place the hook: its program (default PREFIX/bin/vaoci-hook) and the node config it reads. */
export interface HookOptions {
  prefix?: string;
  hookPath?: string;
  nodeConfig?: string;
}

/** hookFileName is the file a stage's document goes to in a hooks directory. */
export function hookFileName(stage: HookStage): string {
  return `50-vaoci-${stage.toLowerCase()}.json`;
}

/**
 * ociHook builds the document for one stage. The node config is passed as
 * VAOCI_CONFIG only when it is not the default path. No timeout: the hook
 * bounds its own time (a runtime's timeout kill misfired, hook/README.md).
 */
export function ociHook(stage: HookStage, opts: HookOptions = {}): OciHook {
  const hookPath = opts.hookPath ?? path.posix.join(opts.prefix ?? DEFAULT_PREFIX, 'bin', 'vaoci-hook');
  const hook: OciHook['hook'] = { path: hookPath, args: ['vaoci-hook', stage] };
  if (opts.nodeConfig && opts.nodeConfig !== NODE_CONFIG) hook.env = [`VAOCI_CONFIG=${opts.nodeConfig}`];
  const doc: OciHook = { version: '1.0.0', hook, when: { annotations: { '^vaoci\\.io/': '.*' } }, stages: [stage] };
  const problems = validate('oci-hook', doc);
  if (problems.length) throw new Error(`oci-hook document: ${problems[0]}`);
  return doc;
}
