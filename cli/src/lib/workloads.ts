/**
 * Reading the files `vaoci validate` and `vaoci explain` take: a plain
 * annotations JSON object, an OCI bundle's config.json, or Kubernetes YAML
 * (or JSON) with Pods and the controllers that template them (Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, a List of them). Each
 * becomes workloads: annotations plus the names of the containers they apply to.
 */
import * as fs from 'node:fs';
import { CORE_SCHEMA, YAMLException, loadAll } from 'js-yaml';
import { badInput } from './errors';
import type { OciConfig } from './policy';

/** Workload is one set of annotations and the containers they apply to. */
export interface Workload {
  /** kind is annotations, oci, or the Kubernetes kind (Pod, Deployment, …). */
  kind: string;
  /** name is metadata.name (namespace/name when namespaced), or the file's role for annotations and oci. */
  name: string;
  annotations: Record<string, unknown>;
  /** containers are the container names; [''] when the file names none (only pod-wide keys then apply). */
  containers: string[];
  /** knownContainers is true when containers lists every container (Kubernetes), so a KEY.NAME for another name is a typo. */
  knownContainers: boolean;
  /** config is the OCI config.json, for detection. */
  config?: OciConfig;
}

/** CRI_NAME_KEYS are the annotations CRI runtimes put the container's name in, in config.json. */
export const CRI_NAME_KEYS = ['io.kubernetes.cri.container-name', 'io.kubernetes.container.name'];

type Obj = Record<string, unknown>;

const TEMPLATED: Record<string, (o: Obj) => Obj | undefined> = {
  Pod: (o) => o,
  Deployment: (o) => at(o, 'spec', 'template'),
  StatefulSet: (o) => at(o, 'spec', 'template'),
  DaemonSet: (o) => at(o, 'spec', 'template'),
  ReplicaSet: (o) => at(o, 'spec', 'template'),
  ReplicationController: (o) => at(o, 'spec', 'template'),
  Job: (o) => at(o, 'spec', 'template'),
  CronJob: (o) => at(o, 'spec', 'jobTemplate', 'spec', 'template'),
};

const EXPECTED =
  'an annotations JSON object, an OCI config.json, or Kubernetes YAML with a Pod or a Deployment (StatefulSet, DaemonSet, Job, CronJob)';

/** readWorkloads reads one file into its workloads; a file that cannot be read or holds none fails (exit 2) naming it. */
export function readWorkloads(file: string): Workload[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw badInput(`\`${file}\`: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)}); expected ${EXPECTED}`);
  }
  const found = parseWorkloads(file, text);
  if (!found.length) throw badInput(`\`${file}\`: no workload found; expected ${EXPECTED}`);
  return found;
}

/** parseWorkloads parses a file's text: JSON first (annotations, config.json or a Kubernetes object), else YAML documents. */
export function parseWorkloads(file: string, text: string): Workload[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return parseYaml(file, text);
  }
  if (!isObj(json)) throw badInput(`\`${file}\`: ${typeName(json)} at the top; expected ${EXPECTED}`);
  if (typeof json.kind === 'string' && 'apiVersion' in json) return fromKube(json);
  if ('ociVersion' in json || 'process' in json || 'root' in json) return [fromOci(json as OciConfig)];
  return [{ kind: 'annotations', name: 'annotations', annotations: json, containers: [''], knownContainers: false }];
}

/**
 * parseYaml reads YAML documents with YAML 1.2's core schema, as `yaml` did
 * before: no 1.1 timestamps or `<<` merges, so `2024-01-01` stays a string.
 * js-yaml rather than `yaml`: one pass without a syntax tree, ~3x faster in a
 * fresh process on test/bench/pod.yaml (2.5 against 6-9 ms, 2026-12-04) and
 * less than half the code, which validate and explain load on every run.
 */
function parseYaml(file: string, text: string): Workload[] {
  let docs: unknown[];
  try {
    docs = loadAll(text, undefined, { schema: CORE_SCHEMA, filename: file });
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    const where = e.mark ? ` line ${e.mark.line + 1}` : '';
    throw badInput(`\`${file}\`${where}: ${e.reason}; expected ${EXPECTED}`);
  }
  return docs.flatMap((value) => (isObj(value) && typeof value.kind === 'string' ? fromKube(value) : []));
}

/** fromKube turns one Kubernetes object (or a List) into the workloads of its pod templates; other kinds hold none. */
export function fromKube(o: Obj): Workload[] {
  if (o.kind === 'List' || (typeof o.kind === 'string' && o.kind.endsWith('List'))) {
    return (Array.isArray(o.items) ? o.items : []).filter(isObj).flatMap(fromKube);
  }
  const template = TEMPLATED[o.kind as string]?.(o);
  if (!template) return [];
  const meta = (at(o, 'metadata') ?? {}) as Obj;
  const name = [meta.namespace, meta.name].filter((x) => typeof x === 'string').join('/') || '(unnamed)';
  const annotations = (at(template, 'metadata', 'annotations') ?? {}) as Obj;
  const spec = (at(template, 'spec') ?? {}) as Obj;
  const containers = [spec.initContainers, spec.containers]
    .flatMap((list) => (Array.isArray(list) ? list : []))
    .map((c) => (isObj(c) && typeof c.name === 'string' ? c.name : ''))
    .filter(Boolean);
  return [
    {
      kind: o.kind as string,
      name,
      annotations,
      containers: containers.length ? containers : [''],
      knownContainers: containers.length > 0,
    },
  ];
}

/** fromOci reads a config.json: its annotations, and the container's name when a CRI runtime recorded it. */
function fromOci(config: OciConfig): Workload {
  const annotations = (config.annotations ?? {}) as Obj;
  const named = CRI_NAME_KEYS.map((k) => annotations[k]).find((v) => typeof v === 'string') as string | undefined;
  return { kind: 'oci', name: 'config.json', annotations, containers: [named ?? ''], knownContainers: false, config };
}

function at(o: unknown, ...path: string[]): Obj | undefined {
  let cur: unknown = o;
  for (const p of path) cur = isObj(cur) ? cur[p] : undefined;
  return isObj(cur) ? cur : undefined;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}
