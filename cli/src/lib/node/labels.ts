/**
 * The labels the node agent keeps on its Node, so schedulers and operators
 * can tell prepared nodes apart: vaoci.io/ready (installed, every file as
 * written, and an annotation would reach a container), vaoci.io/va-bits (the
 * kernel's user address bits, from vaoci-reserve probe) and vaoci.io/emulator
 * (who runs x86-64 ELF on this node, from binfmt_misc).
 */
import { detectBinfmt, hostBinfmtIo } from '../policy/binfmt';
import { BINFMT_DIR } from './binfmt';
import { probe } from '../probe';
import type { Host } from './host';
import { status } from './status';

export const LABELS = { ready: 'vaoci.io/ready', vaBits: 'vaoci.io/va-bits', emulator: 'vaoci.io/emulator' } as const;

/** NodeFacts are what the labels say, with the reason `ready` is what it is. */
export interface NodeFacts {
  labels: Record<string, string>;
  why: string;
}

/** nodeFacts reads the node: the install under `prefix`, the kernel, binfmt_misc under the host root. */
export async function nodeFacts(host: Host, prefix: string): Promise<NodeFacts> {
  const s = status(host, prefix);
  const broken = s.files.filter((f) => f.state !== 'ok');
  const ready = s.installed && !broken.length && s.annotations_reach.ok;
  const why = !s.installed ? `not installed under ${prefix}` : broken.length ? `${broken[0].path} is ${broken[0].state}` : s.annotations_reach.why;
  const { va_bits: vaBits } = await probe();
  const x86 = detectBinfmt(host.at(BINFMT_DIR), hostBinfmtIo(host.root)).x86_64;
  return {
    labels: { [LABELS.ready]: String(ready), [LABELS.vaBits]: String(vaBits), [LABELS.emulator]: x86 ? x86.emulator : 'none' },
    why,
  };
}
