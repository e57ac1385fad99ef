/**
 * `vaoci node agent`: keeps the vaoci.io/ labels of its own Node true. It
 * reads the node every interval and patches (JSON merge patch, labels only)
 * when a label differs from what the Node carries, so an unchanged node costs
 * one GET. The Node is $NODE_NAME (the DaemonSet sets it from spec.nodeName);
 * the API server comes from the pod's service account or $KUBECONFIG.
 */
import * as k8s from '@kubernetes/client-node';
import { Failure, badInput } from '../errors';
import type { Host } from './host';
import { nodeFacts } from './labels';

export interface AgentOptions {
  host: Host;
  prefix: string;
  /** criSocket: the engine's CRI socket on the node (null: the engine's default; 'none': do not ask). */
  criSocket: string | null;
  /** nriStatus: vaoci-nri's -status file on this machine (nri mode: ready only while it is there), or null. */
  nriStatus: string | null;
  node: string | undefined;
  intervalSeconds: number;
  once: boolean;
  log: (line: string) => void;
}

/** AgentRound is what one look at the node did. */
export interface AgentRound {
  node: string;
  labels: Record<string, string>;
  patched: boolean;
  why: string;
}

/** runAgent runs rounds until stopped (or once); returns the last round. */
export async function runAgent(o: AgentOptions): Promise<AgentRound> {
  if (!o.node) throw badInput('NODE_NAME: missing — expected the Node name (the DaemonSet sets it from spec.nodeName)');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const api = kc.makeApiClient(k8s.CoreV1Api);
  for (;;) {
    const round = await oneRound(api, o.node, o);
    if (o.once) return round;
    await new Promise((r) => setTimeout(r, o.intervalSeconds * 1000));
  }
}

async function oneRound(api: k8s.CoreV1Api, name: string, o: AgentOptions): Promise<AgentRound> {
  const facts = await nodeFacts(o.host, o.prefix, o.criSocket, o.nriStatus);
  let current: Record<string, string>;
  try {
    current = (await api.readNode({ name })).metadata?.labels ?? {};
  } catch (e) {
    throw new Failure(`read Node \`${name}\`: ${apiError(e)}`, 'system');
  }
  const changed = Object.entries(facts.labels).filter(([k, v]) => current[k] !== v);
  if (changed.length) {
    try {
      await api.patchNode(
        { name, body: { metadata: { labels: Object.fromEntries(changed) } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    } catch (e) {
      throw new Failure(`patch Node \`${name}\` labels: ${apiError(e)}`, 'system');
    }
  }
  const what = Object.entries(facts.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  o.log(`vaoci node agent: ${name}: ${what}${changed.length ? ' (patched)' : ''} — ${facts.why}`);
  return { node: name, labels: facts.labels, patched: changed.length > 0, why: facts.why };
}

function apiError(e: unknown): string {
  const err = e as { code?: number; body?: string; message?: string };
  if (err.code) {
    try {
      return `HTTP ${err.code}: ${(JSON.parse(err.body ?? '') as { message?: string }).message ?? err.body}`;
    } catch {
      return `HTTP ${err.code}`;
    }
  }
  return err.message ?? String(e);
}
