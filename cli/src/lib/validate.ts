/**
 * `vaoci validate`: every vaoci.io/ annotation of every workload in the
 * files, checked with the policy resolver's own grammar (so the CLI, the
 * runtime wrapper and the hook agree), plus the one check only a whole
 * manifest allows: a per-container key must name one of its containers.
 */
import { Failure } from './errors';
import { plural } from './format';
import { checkNodeConfig } from './nodeconfig';
import { PREFIX } from './policy/grammar.gen';
import { problemLine } from './policy/line';
import { collectSettings } from './policy/settings';
import { validate as validateSchema } from './schema';
import { type Workload, readWorkloads } from './workloads';

/** WorkloadCheck is one workload's problems (empty when it is fine). */
export interface WorkloadCheck {
  kind: string;
  name: string;
  containers: string[];
  problems: string[];
}

/** FileCheck is one file's workloads. */
export interface FileCheck {
  file: string;
  workloads: WorkloadCheck[];
}

/** ValidateResult is what `vaoci validate --json` prints (schemas/cli-validate.schema.json). */
export interface ValidateResult {
  ok: boolean;
  files: FileCheck[];
}

/** checkWorkload lists a workload's problems: the grammar's for every container, then keys naming no container. */
export function checkWorkload(w: Workload): string[] {
  const problems = new Set<string>();
  for (const c of w.containers) for (const p of collectSettings(w.annotations, undefined, c).problems) problems.add(p);
  if (w.knownContainers) {
    for (const [key, value] of Object.entries(w.annotations)) {
      const dot = key.indexOf('.', PREFIX.length);
      if (!key.startsWith(PREFIX) || dot < 0) continue;
      const name = key.slice(dot + 1);
      if (!w.containers.includes(name))
        problems.add(problemLine(key, value, `a container of this ${w.kind}: ${w.containers.join(', ')} (\`${name}\` is none)`));
    }
  }
  return [...problems];
}

/** validateFiles checks every file (and the node config, if given); a file that cannot be read fails (exit 2). */
export function validateFiles(files: string[], nodeConfig?: string): ValidateResult {
  const out: FileCheck[] = files.map((file) => ({
    file,
    workloads: readWorkloads(file).map((w) => ({ kind: w.kind, name: w.name, containers: w.containers, problems: checkWorkload(w) })),
  }));
  if (nodeConfig) {
    const { problems } = checkNodeConfig(nodeConfig);
    out.push({ file: nodeConfig, workloads: [{ kind: 'node-config', name: 'node-config', containers: [], problems }] });
  }
  const result = { ok: out.every((f) => f.workloads.every((w) => !w.problems.length)), files: out };
  const broken = validateSchema('cli-validate', result);
  if (broken.length) throw new Failure(`result breaks schemas/cli-validate.schema.json: ${broken[0]}`, 'tool');
  return result;
}

/** renderValidate prints one line per workload, then its problems indented. */
export function renderValidate(r: ValidateResult): string {
  const lines: string[] = [];
  for (const f of r.files) {
    for (const w of f.workloads) {
      const what = w.kind === 'annotations' || w.kind === 'oci' || w.kind === 'node-config' ? w.kind : `${w.kind} ${w.name}`;
      const containers = w.containers.filter(Boolean);
      const who = containers.length ? ` (${plural(containers.length, 'container')}: ${containers.join(', ')})` : '';
      lines.push(`${f.file}: ${what}${who}: ${w.problems.length ? plural(w.problems.length, 'problem') : 'ok'}`);
      for (const p of w.problems) lines.push(`  ${p}`);
    }
  }
  return lines.join('\n');
}

/** validateOutcome returns a clean result, or fails (exit 1) counting the problems. */
export function validateOutcome(r: ValidateResult): ValidateResult {
  if (r.ok) return r;
  const n = r.files.reduce((s, f) => s + f.workloads.reduce((t, w) => t + w.problems.length, 0), 0);
  const bad = r.files.filter((f) => f.workloads.some((w) => w.problems.length)).length;
  throw new Failure(`${plural(n, 'problem')} in ${plural(bad, 'file')}`, 'failed', r);
}
