/**
 * `vaoci validate` and `vaoci explain` through oclif's test helper: the
 * file formats (annotations JSON, OCI config.json and bundles, Kubernetes
 * YAML with several documents and kinds), the resolver's problem lines
 * passed through unchanged, per-container keys naming no container, the
 * --json documents and their schemas, and exit codes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectSettings } from '../../cli/src/lib/policy/settings';
import { validate } from '../../cli/src/lib/schema';
import { parseWorkloads } from '../../cli/src/lib/workloads';
import { tinyElf } from './fixtures/elf';
import { type Json, tempDir, vaoci } from './cli-helpers';

let dir: string;
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
};

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      annotations:
        vaoci.io/va-limit: i386
        vaoci.io/guest-arch.app: i386
        vaoci.io/emulator.sidecar: none
        other.example/key: anything
    spec:
      initContainers: [{name: init, image: a}]
      containers: [{name: app, image: b}, {name: sidecar, image: c}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {vaoci.io/va-limit: "0x1000-0x1000", vaoci.io/on-error.job: later}
        spec:
          containers: [{name: job, image: d}]
`;

let paths: Record<string, string>;

beforeAll(() => {
  dir = tempDir('policy');
  paths = {
    deployment: file('deploy.yaml', DEPLOYMENT),
    good: file('good.json', JSON.stringify({ 'vaoci.io/va-limit': 'x86_64', 'vaoci.io/on-error': 'warn' })),
    typo: file('typo.json', JSON.stringify({ 'vaoci.io/va-limt': 'i386', 'vaoci.io/guest-arch': 7 })),
    list: file(
      'list.json',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } }],
      }),
    ),
    config: file(
      'bundle/config.json',
      JSON.stringify({
        ociVersion: '1.0.2',
        process: { args: ['/bin/prog'] },
        root: { path: 'rootfs' },
        annotations: { 'vaoci.io/va-limit.app': 'i386', 'io.kubernetes.cri.container-name': 'app' },
      }),
    ),
    service: file('service.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\n'),
    broken: file('broken.yaml', 'kind: Pod\nmetadata: {name: [unclosed\n'),
    nodeGood: file('node-good.json', JSON.stringify({ runtime: '/usr/bin/runc', defaults: { va_limit: 'i386' } })),
    nodeBad: file('node-bad.json', JSON.stringify({ runtime: '/usr/bin/runc', defaults: { va_limit: 'huge' } })),
    binfmt: path.join(dir, 'binfmt'),
  };
  const prog = path.join(dir, 'bundle', 'rootfs', 'bin', 'prog');
  fs.mkdirSync(path.dirname(prog), { recursive: true });
  fs.writeFileSync(prog, tinyElf({ bits: 32, machine: 3, interp: '/lib/ld-linux.so.2' }), { mode: 0o755 });
  fs.mkdirSync(paths.binfmt);
  fs.writeFileSync(path.join(paths.binfmt, 'status'), 'enabled\n');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('reading workloads', () => {
  test('Kubernetes YAML: pod templates of every kind, init containers too; other kinds skipped', () => {
    const w = parseWorkloads('d', DEPLOYMENT);
    expect(w.map((x) => [x.kind, x.name, x.containers])).toEqual([
      ['Deployment', 'shop/web', ['init', 'app', 'sidecar']],
      ['CronJob', 'nightly', ['job']],
    ]);
    expect(w[0].annotations['vaoci.io/va-limit']).toBe('i386');
  });

  test("YAML 1.2's core schema: dates, yes and `<<` stay plain; a syntax error names its line", () => {
    const pod = (value: string) =>
      `kind: Pod\napiVersion: v1\nmetadata:\n  name: p\n  annotations:\n    vaoci.io/x: ${value}\nspec:\n  containers: [{name: c}]\n`;
    expect(parseWorkloads('p', pod('2024-01-01'))[0].annotations['vaoci.io/x']).toBe('2024-01-01');
    expect(parseWorkloads('p', pod('yes'))[0].annotations['vaoci.io/x']).toBe('yes');
    expect(parseWorkloads('p', pod('true'))[0].annotations['vaoci.io/x']).toBe(true);
    expect(parseWorkloads('p', pod('0x10'))[0].annotations['vaoci.io/x']).toBe(16);
    const merge = 'kind: Pod\napiVersion: v1\nbase: &b {annotations: {vaoci.io/x: merged}}\nmetadata:\n  name: p\n  <<: *b\n';
    expect(parseWorkloads('m', merge)[0].annotations).toEqual({});
    // an unclosed flow sequence: the parser sees it at the end of the stream, the line after the last
    expect(() => parseWorkloads('b', `${pod('a')}  other: [1\n`)).toThrow(/^`b` line 10: .*; expected an annotations JSON object/);
    expect(() => parseWorkloads('d', 'kind: Pod\nkind: Job\n')).toThrow(/^`d` line 2: duplicated mapping key; expected /);
  });

  test('JSON: a List, an OCI config.json (with the CRI container name), plain annotations', () => {
    expect(parseWorkloads('l', fs.readFileSync(paths.list, 'utf8')).map((x) => x.kind)).toEqual(['Pod']);
    const oci = parseWorkloads('c', fs.readFileSync(paths.config, 'utf8'))[0];
    expect([oci.kind, oci.containers, oci.knownContainers]).toEqual(['oci', ['app'], false]);
    expect(parseWorkloads('a', '{"vaoci.io/va-limit":"i386"}')[0]).toMatchObject({ kind: 'annotations', containers: [''] });
    expect(() => parseWorkloads('x', '[1]')).toThrow('`x`: an array at the top; expected an annotations JSON object');
  });
});

describe('vaoci validate', () => {
  test('clean files: ok per workload, exit 0; --json valid', async () => {
    const r = await vaoci(['validate', paths.good, paths.list]);
    expect(r.exit).toBe(0);
    expect(r.stdout).toBe(`${paths.good}: annotations: ok\n${paths.list}: Pod p (1 container: c): ok\n`);
    const j = await vaoci(['validate', paths.good, '--json']);
    expect(j.json).toEqual({
      ok: true,
      files: [{ file: paths.good, workloads: [{ kind: 'annotations', name: 'annotations', containers: [''], problems: [] }] }],
    });
    expect(validate('cli-validate', j.json)).toEqual([]);
  });

  test('problems: the resolver’s own lines, keys naming no container; one summary line, exit 1', async () => {
    const r = await vaoci(['validate', paths.deployment, paths.typo, paths.good]);
    expect(r.exit).toBe(1);
    const typo = collectSettings(JSON.parse(fs.readFileSync(paths.typo, 'utf8')) as Json, undefined, '').problems;
    expect(typo).toHaveLength(2);
    expect(r.stdout.split('\n')).toEqual([
      `${paths.deployment}: Deployment shop/web (3 containers: init, app, sidecar): ok`,
      `${paths.deployment}: CronJob nightly (1 container: job): 2 problems`,
      expect.stringMatching(/^ {2}vaoci\.io\/on-error\.job: value "later" — expected /),
      expect.stringMatching(/^ {2}vaoci\.io\/va-limit: value "0x1000-0x1000" — expected /),
      `${paths.typo}: annotations: 2 problems`,
      ...typo.map((p) => `  ${p}`),
      `${paths.good}: annotations: ok`,
      '',
    ]);
    expect(r.stderr).toBe('vaoci validate: 4 problems in 2 files\n');
    const j = await vaoci(['validate', paths.deployment, paths.typo, '--json']);
    expect(j.exit).toBe(1);
    expect(j.json?.ok).toBe(false);
    expect(validate('cli-validate', j.json)).toEqual([]);
  });

  test('a per-container key for a container the pod does not have', async () => {
    const typoed = file('typoed.yaml', DEPLOYMENT.replace('vaoci.io/guest-arch.app', 'vaoci.io/guest-arch.ap'));
    const r = await vaoci(['validate', typoed]);
    expect(r.stdout).toContain(
      '  vaoci.io/guest-arch.ap: value "i386" — expected a container of this Deployment: init, app, sidecar (`ap` is none)\n',
    );
    expect(r.exit).toBe(1);
  });

  test('--node-config: checked against its schema', async () => {
    expect((await vaoci(['validate', paths.good, '--node-config', paths.nodeGood])).exit).toBe(0);
    const r = await vaoci(['validate', paths.good, '--node-config', paths.nodeBad]);
    expect(r.exit).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(`^${paths.nodeBad}: node-config: 1 problem\\n {2}/defaults/va_limit: value "huge" — expected `, 'm'),
    );
  });

  test.each([
    [
      ['validate'],
      'vaoci validate: files: missing; expected one or more files: annotations JSON, an OCI config.json or bundle, or Kubernetes YAML',
    ],
    [
      ['validate', '/nonexistent.yaml'],
      'vaoci validate: `/nonexistent.yaml`: cannot read (ENOENT); expected an annotations JSON object, an OCI config.json, or Kubernetes YAML with a Pod or a Deployment (StatefulSet, DaemonSet, Job, CronJob)',
    ],
  ])('bad input %j: one line, exit 2', async (args, line) => {
    const r = await vaoci(args);
    expect([r.exit, r.stderr]).toEqual([2, `${line}\n`]);
  });

  test('a file with no workload, or YAML that does not parse: one line naming it, exit 2', async () => {
    const svc = await vaoci(['validate', paths.service]);
    expect([svc.exit, svc.stderr]).toEqual([2, expect.stringMatching(/^vaoci validate: `.*service\.yaml`: no workload found; expected /)]);
    const broken = await vaoci(['validate', paths.broken, '--json']);
    expect(broken.exit).toBe(2);
    expect(broken.json).toMatchObject({ tool: 'vaoci', command: 'validate', ok: false, error: { status: 'invalid' } });
    expect(broken.json?.error.message).toMatch(/^`.*broken\.yaml` line \d+: /);
    expect(validate('cli-error', broken.json)).toEqual([]);
  });
});

describe('vaoci explain', () => {
  test('a bundle: the entrypoint’s ELF header decides guest-arch; a table with sources and reasons', async () => {
    const bundle = path.dirname(paths.config);
    const r = await vaoci(['explain', bundle, '--binfmt-dir', paths.binfmt, '--node-config', paths.nodeGood]);
    expect(r.stdout).toMatch(/^vaoci explain: .*bundle\/config\.json: oci, container app/m);
    expect(r.stdout).toMatch(/^ {2}setting +value +from +why$/m);
    expect(r.stdout).toMatch(/^ {2}va-limit +i386 +container-annotation vaoci\.io\/va-limit\.app /m);
    expect(r.stdout).toMatch(/^ {2}guest-arch +(i386|native) +detected +.*the entrypoint \/bin\/prog is i386 ELF \(dynamically linked\)/m);
    const j = await vaoci(['explain', bundle, '--binfmt-dir', paths.binfmt, '--node-config', paths.nodeGood, '--json']);
    expect(validate('cli-explain', j.json)).toEqual([]);
    const res = j.json?.results[0];
    expect(res).toMatchObject({ kind: 'oci', container: 'app' });
    // i386 is native on an x86_64 node; on arm64 the empty binfmt dir has no emulator for it: refused under on-error fail
    expect(j.exit).toBe(res.ok ? 0 : 1);
    if (res.ok) {
      expect(validate('policy', res.policy)).toEqual([]);
      expect(Object.keys(res.policy.reasons)).toEqual(['va_limit', 'guest_arch', 'emulator', 'on_error', 'injection']);
    } else expect(res.errors[0]).toMatch(/^vaoci\.io\/emulator: value "auto" — expected /);
  });

  test('a Pod YAML has no rootfs: guest-arch auto is refused, unless --guest-arch assumes one', async () => {
    const refused = await vaoci(['explain', paths.deployment, '--binfmt-dir', paths.binfmt, '--container', 'sidecar', '--json']);
    expect(refused.exit).toBe(1);
    expect(refused.json?.results[0].errors[0]).toMatch(/^vaoci\.io\/guest-arch: value "auto" — expected a detectable entrypoint/);
    const native = process.arch === 'arm64' ? 'aarch64' : 'x86_64'; // the sidecar runs natively on this node
    const assumed = await vaoci([
      'explain',
      paths.deployment,
      '--binfmt-dir',
      paths.binfmt,
      '--container',
      'sidecar',
      '--guest-arch',
      native,
      '--json',
    ]);
    expect(assumed.exit).toBe(0);
    expect(validate('cli-explain', assumed.json)).toEqual([]);
    expect(assumed.json?.results[0].policy.sources.guest_arch).toEqual({ source: 'detected' });
    expect(assumed.json?.results[0].policy.reasons.guest_arch).toMatch(/\(assumed by --guest-arch\)/);
    const bad = await vaoci(['explain', paths.deployment, '--guest-arch', 'sparc']);
    expect(bad.exit).toBe(2);
    expect(bad.stderr).toBe('vaoci explain: --guest-arch `sparc`: expected x86_64, i386 or aarch64\n');
  });

  test('on-error warn: resolved with warnings, exit 0', async () => {
    const r = await vaoci(['explain', paths.good, '--binfmt-dir', paths.binfmt, '--json']);
    expect(r.exit).toBe(0);
    expect(r.json?.results[0]).toMatchObject({ ok: true, errors: [], policy: { on_error: 'warn', va_limit: 'x86_64' } });
    expect(r.json?.results[0].policy.warnings.length).toBeGreaterThan(0);
    const h = await vaoci(['explain', paths.good, '--binfmt-dir', paths.binfmt]);
    expect(h.stdout).toMatch(/^ {2}warning: vaoci\.io\/guest-arch: value "auto" — expected a detectable entrypoint/m);
  });

  test('refused containers: their lines, then one summary line, exit 1; --container picks one', async () => {
    const r = await vaoci(['explain', paths.deployment, '--binfmt-dir', paths.binfmt, '--container', 'job']);
    expect(r.exit).toBe(1);
    expect(r.stdout).toMatch(
      /^vaoci explain: .*deploy\.yaml: CronJob nightly, container job: refused\n {2}vaoci\.io\/on-error\.job: value "later"/,
    );
    expect(r.stderr).toMatch(/^vaoci explain: 1 container refused: vaoci\.io\/on-error\.job: value "later" — expected .*\n$/);
  });

  test.each([
    [['explain', 'x.json', '--container', 'nope'], /^vaoci explain: `x\.json`: cannot read/],
    [
      ['explain', '--binfmt-dir', '/nonexistent', 'GOOD'],
      /^vaoci explain: --binfmt-dir `\/nonexistent`: expected a directory of binfmt_misc registrations$/,
    ],
    [['explain', 'GOOD', '--container', 'nope'], /^vaoci explain: --container `nope`: no such container in /],
    [['explain', 'GOOD', '--node-config', 'NODEBAD'], /^vaoci explain: `.*node-bad\.json` \/defaults\/va_limit: value "huge" — expected /],
  ])('bad input %j: one line, exit 2', async (args, line) => {
    const real = args.map((a) => (a === 'GOOD' ? paths.good : a === 'NODEBAD' ? paths.nodeBad : a));
    const r = await vaoci(real);
    expect(r.exit).toBe(2);
    expect(r.stderr.trimEnd()).toMatch(line);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });
});
