/**
 * `vaoci explain` for another node: --node-arch and --node-labels (the
 * labels `vaoci node agent` sets) replace this machine's facts, so an
 * operator on this x86-64 machine can ask what a Pod gets on an arm64 pool.
 * The agent's labels are read back into the same binfmt facts they were made
 * from, and bad input is one line naming the flag or label.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { remoteNode, readNodeLabels } from '../../cli/src/lib/explain-node';
import { binfmtLabels } from '../../cli/src/lib/node/labels';
import type { BinfmtEntry } from '../../cli/src/lib/policy/types';
import { validate } from '../../cli/src/lib/schema';
import { type Json, tempDir, vaoci } from './cli-helpers';

const POD = `apiVersion: v1
kind: Pod
metadata: {name: web, annotations: {vaoci.io/va-limit: i386}}
spec:
  containers: [{name: app, image: x86-app}, {name: proxy, image: arm-proxy}]
`;

const qemu: BinfmtEntry = {
  entry: 'qemu-x86_64',
  emulator: 'qemu',
  interpreter: '/usr/bin/qemu-x86_64',
  flags: 'F',
  linkage: 'dynamic',
  loader: '/lib/ld-linux-aarch64.so.1',
};
const arm64Node = (labels: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'arm-1', labels: { 'kubernetes.io/arch': 'arm64', 'vaoci.io/ready': 'true', ...labels } },
});

let dir: string;
let pod: string;
beforeAll(() => {
  dir = tempDir('explain-node');
  pod = path.join(dir, 'pod.yaml');
  fs.writeFileSync(pod, POD);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Result = {
  results: Array<{
    container: string;
    ok: boolean;
    errors: string[];
    policy: {
      guest_arch: string;
      va_limit: string;
      emulator: string;
      injection: { method: string; env: Record<string, string>; mounts: string[] };
    } | null;
  }>;
};
const results = (j: Json | undefined) => (j as unknown as Result).results;

describe('what a Pod gets on an arm64 node, asked from x86-64', () => {
  test('the Node (kubectl get node -o json): dynamic qemu with F — the preload, qemu told to drop it, its loader bound in', async () => {
    const node = path.join(dir, 'node.json');
    fs.writeFileSync(node, JSON.stringify(arm64Node(binfmtLabels(qemu, { ...qemu, entry: 'qemu-i386' }))));
    const r = await vaoci(['explain', pod, '--container', 'app', '--guest-arch', 'x86_64', '--node-labels', node, '--json']);
    expect(r.exit).toBe(0);
    expect(validate('cli-explain', r.json)).toEqual([]);
    const p = results(r.json)[0].policy!;
    expect(p).toMatchObject({ guest_arch: 'x86_64', va_limit: 'i386', emulator: 'qemu' });
    expect(p.injection.method).toBe('preload');
    expect(p.injection.env.QEMU_UNSET_ENV).toBe('LD_PRELOAD');
    expect(p.injection.mounts).toContain('/lib/ld-linux-aarch64.so.1');
    // The same question without the flags is answered for this x86-64 machine: native, and a named pod's window skips it.
    const here = await vaoci(['explain', pod, '--container', 'app', '--guest-arch', 'x86_64', '--json']);
    expect(results(here.json)[0].policy).toMatchObject({ guest_arch: 'native', va_limit: 'none' });
  });

  test('k=v labels: vaoci-binfmt in front of a static qemu — the window only, through the environment', async () => {
    const labels =
      'kubernetes.io/arch=arm64,vaoci.io/emulator=qemu,vaoci.io/emulator-linkage=static,vaoci.io/emulator-flags=F,vaoci.io/emulator-fronted=true';
    const r = await vaoci(['explain', pod, '--container', 'app', '--guest-arch', 'x86_64', '--node-labels', labels, '--json']);
    const p = results(r.json)[0].policy!;
    expect(p.injection).toEqual({ method: 'binfmt', env: { VAOCI_VA_LIMIT: 'i386', VAOCI_ON_ERROR: 'fail' }, mounts: [] });
  });

  test('the arm64 sidecar is native there: the pod-wide window skips it', async () => {
    const r = await vaoci([
      'explain',
      pod,
      '--container',
      'proxy',
      '--guest-arch',
      'aarch64',
      '--node-labels',
      'kubernetes.io/arch=arm64,vaoci.io/emulator=qemu',
      '--json',
    ]);
    expect(results(r.json)[0].policy).toMatchObject({ guest_arch: 'native', va_limit: 'none', emulator: 'none' });
  });

  test('--node-arch alone knows no emulator: an x86-64 container is refused for want of one; --node-arch beats the label', async () => {
    const r = await vaoci(['explain', pod, '--container', 'app', '--guest-arch', 'x86_64', '--node-arch', 'arm64']);
    expect(r.exit).toBe(1);
    expect(r.stdout).toContain(
      'vaoci.io/emulator: value "auto" — expected a binfmt_misc entry that runs x86_64 ELF on this node (none is enabled)',
    );
    const amd = await vaoci([
      'explain',
      pod,
      '--container',
      'app',
      '--guest-arch',
      'x86_64',
      '--node-arch',
      'amd64',
      '--node-labels',
      'kubernetes.io/arch=arm64,vaoci.io/emulator=none',
      '--json',
    ]);
    expect(results(amd.json)[0].policy).toMatchObject({ guest_arch: 'native' });
  });

  test.each([
    [['--node-arch', 'sparc'], 'vaoci explain: --node-arch `sparc`: expected arm64, amd64, aarch64 or x86_64'],
    [
      ['--node-labels', 'kubernetes.io/arch=arm64'],
      'vaoci explain: --node-labels: vaoci.io/emulator missing — expected the labels vaoci node agent sets (fex, box64, qemu, rosetta, unknown, none)',
    ],
    [
      ['--node-labels', 'kubernetes.io/arch=arm64,vaoci.io/emulator=qemu-user'],
      'vaoci explain: --node-labels: vaoci.io/emulator `qemu-user` — expected one of fex, box64, qemu, rosetta, unknown, none',
    ],
    [
      ['--node-labels', 'vaoci.io/emulator=qemu'],
      "vaoci explain: --node-labels: kubernetes.io/arch missing — expected the Node's labels, or --node-arch",
    ],
    [
      ['--node-labels', 'kubernetes.io/arch=s390x,vaoci.io/emulator=qemu'],
      'vaoci explain: --node-labels: kubernetes.io/arch `s390x` — expected arm64, amd64, aarch64 or x86_64',
    ],
    [
      ['--node-labels', 'kubernetes.io/arch=arm64,vaoci.io/emulator=qemu,vaoci.io/emulator-flags=Z'],
      'vaoci explain: --node-labels: vaoci.io/emulator-flags `Z` — expected binfmt_misc flags (P, O, C, F)',
    ],
    [
      ['--node-labels', '/nonexistent/node.json'],
      'vaoci explain: --node-labels `/nonexistent/node.json`: ENOENT — expected k=v,k=v or a file with a Node or its labels',
    ],
  ])('bad input %j: one line naming the flag or label, exit 2', async (args, line) => {
    const r = await vaoci(['explain', pod, ...args]);
    expect(r.exit).toBe(2);
    expect(r.stderr).toBe(`${line}\n`);
  });
});

describe("the agent's labels read back", () => {
  test.each([
    ['dynamic qemu with F', qemu],
    ['vaoci-binfmt in front of a static qemu', { ...qemu, linkage: 'static' as const, launcher: true, loader: undefined }],
    ['FEX without flags', { ...qemu, emulator: 'fex' as const, flags: '' }],
  ])('%s: the facts the resolver needs survive', (_, entry) => {
    const labels = { 'kubernetes.io/arch': 'arm64', ...binfmtLabels(entry, null) };
    const back = remoteNode({
      nodeLabels: readNodeLabels(
        Object.entries(labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      ),
    });
    const x = back?.binfmt?.x86_64;
    expect(back?.host_arch).toBe('aarch64');
    expect(x && { emulator: x.emulator, linkage: x.linkage, flags: x.flags, launcher: Boolean(x.launcher) }).toEqual({
      emulator: entry.emulator,
      linkage: entry.linkage,
      flags: entry.flags,
      launcher: Boolean(entry.launcher),
    });
    expect(back?.binfmt?.i386).toBeNull();
  });

  test('a YAML map of labels works as well as a Node; neither is a bad-input line', () => {
    const f = path.join(dir, 'labels.yaml');
    fs.writeFileSync(f, 'kubernetes.io/arch: amd64\nvaoci.io/emulator: none\n');
    expect(remoteNode({ nodeLabels: readNodeLabels(f) })).toEqual({ host_arch: 'x86_64', binfmt: { x86_64: null, i386: null } });
    fs.writeFileSync(f, '- a\n- b\n');
    expect(() => readNodeLabels(f)).toThrow(/not a Node or a map of string labels/);
  });
});
