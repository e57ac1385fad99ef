/**
 * CRI-O: a drop-in under /etc/crio/crio.conf.d registering the runtime
 * handler `vaoci` with vaoci-runtime as its runtime. CRI-O reads every file
 * there, so its main config is never touched, and it copies a pod's
 * annotations into each container's config.json, so no allow-list is needed.
 */
import { parse, stringify } from 'smol-toml';
import type { Reach } from './containerd';
import { HANDLER } from './containerd';
import type { Host } from './host';

export const CRIO_DROPIN = '/etc/crio/crio.conf.d/50-vaoci.conf';

/** crioDropin is the TOML of the handler. */
export function crioDropin(runtimePath: string): string {
  const doc = { crio: { runtime: { runtimes: { [HANDLER]: { runtime_path: runtimePath, runtime_type: 'oci' } } } } };
  return `# vaoci: the runtime handler \`${HANDLER}\` (RuntimeClass handler: ${HANDLER}); written by vaoci node install.\n${stringify(doc)}\n`;
}

/** crioReach checks the handler as the drop-in defines it. */
export function crioReach(host: Host, runtimePath: string): Reach {
  const text = host.read(CRIO_DROPIN);
  if (text === undefined) return { ok: false, why: `${CRIO_DROPIN} is missing: CRI-O has no runtime handler "${HANDLER}"` };
  const h = ((parse(text) as { crio?: { runtime?: { runtimes?: Record<string, { runtime_path?: string }> } } }).crio?.runtime?.runtimes ??
    {})[HANDLER];
  if (h?.runtime_path !== runtimePath)
    return { ok: false, why: `CRI-O's handler "${HANDLER}" runs ${JSON.stringify(h?.runtime_path)}, not ${runtimePath}` };
  return { ok: true, why: `CRI-O's handler "${HANDLER}" runs ${runtimePath}; CRI-O copies pod annotations into config.json` };
}
