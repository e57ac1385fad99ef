/**
 * `vaoci node install` keeps the node's containerd config (issue 15, "the
 * node's config is never lost"), judged by containerd itself: the real
 * `containerd config dump` of Debian 12's containerd 1.6 (which replaces a
 * whole plugin table on import) and of containerd 2.2.1 built from the
 * module proxy (which merges), on realistic root configs, before and after
 * the install: the only difference allowed is the handler `vaoci`. The real
 * 1.6 daemon (own root, state and socket; the machine's containerd is not
 * touched) shows whether its CRI plugin loads. Node trees are built here and
 * passed with --host-root; `config dump` reads them through a copy of the
 * root config whose imports point into the tree.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'smol-toml';
import { validate } from '../../cli/src/lib/schema';
import { type Json, ROOT, vaoci } from './cli-helpers';
import { tmpDir } from './image-fixtures';

/** The two containerds: a missing one fails the test that needs it, saying how to get it. */
const CONTAINERD = {
  '1.6': { bin: '/usr/bin/containerd', how: 'Debian 12 package containerd: run .ci/install-deps (make deps)' },
  '2.2.1': { bin: path.join(ROOT, 'build/tools/containerd-2.2.1/containerd'), how: 'build it with .ci/install-containerd2 (make tools)' },
} as const;
type Version = keyof typeof CONTAINERD;

/** CRI is where each containerd's dump puts runtime handlers (2.x migrates a version-2 config to 3). */
const CRI: Record<Version, string> = { '1.6': 'io.containerd.grpc.v1.cri', '2.2.1': 'io.containerd.cri.v1.runtime' };
const HANDLER = {
  runtime_type: 'io.containerd.runc.v2',
  pod_annotations: ['vaoci.io/*'],
  container_annotations: ['vaoci.io/*'],
  options: { BinaryName: '/opt/vaoci/bin/vaoci-runtime' },
};
const DROPIN = 'etc/containerd/conf.d/50-vaoci.toml';

const work = tmpDir('node-containerd');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
let n = 0;

function containerd(v: Version): string {
  const { bin, how } = CONTAINERD[v];
  if (!fs.existsSync(bin)) throw new Error(`containerd ${v} is missing at ${bin} — ${how}`);
  return bin;
}

/** node is a fresh node tree with runc and the given files (node path without the leading / → text). */
function node(files: Record<string, string>): string {
  const root = path.join(work, `node${++n}`);
  for (const [p, text] of Object.entries({ 'usr/sbin/runc': '#!/bin/sh\n', 'usr/bin/containerd': '', ...files })) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text, { mode: p.endsWith('runc') ? 0o755 : 0o644 });
  }
  return root;
}

/** tree is every entry under root with its mode and content hash: what "byte for byte" and "nothing written" compare. */
function tree(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).sort().map((rel) => {
    const st = fs.lstatSync(path.join(root, rel));
    const hash = st.isFile()
      ? crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(root, rel)))
          .digest('hex')
      : 'dir';
    return `${rel} ${st.mode.toString(8)} ${hash}`;
  });
}

/** probeConfig is the node's root config with its imports pointing into the tree (empty: no root config). */
function probeConfig(root: string): string {
  const cfg = path.join(root, 'etc/containerd/config.toml');
  const text = fs.existsSync(cfg)
    ? fs.readFileSync(cfg, 'utf8').replace(/^imports = .*$/m, (line) => line.replaceAll('"/etc/', `"${root}/etc/`))
    : '';
  const probe = path.join(work, `probe${++n}.toml`);
  fs.writeFileSync(probe, text);
  return probe;
}

/** dump is containerd's own effective config of the node, without `imports` (it lists the files loaded). */
function dump(v: Version, root: string): Json {
  const r = spawnSync(containerd(v), ['--config', probeConfig(root), 'config', 'dump'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`containerd ${v} config dump: ${r.stderr.trim().split('\n').pop()}`);
  const doc = parse(r.stdout) as Json;
  delete doc.imports;
  return doc;
}

/** withoutHandler is a dump with the handler taken out, after checking it is vaoci's. */
function withoutHandler(v: Version, after: Json): Json {
  const runtimes = after.plugins[CRI[v]].containerd.runtimes;
  expect(runtimes.vaoci).toMatchObject(HANDLER);
  delete runtimes.vaoci;
  return after;
}

const IMPORTS = 'imports = ["/etc/containerd/conf.d/*.toml"]\n';

/** gpuRuntimes is the runtimes of a GPU node (as nvidia-ctk leaves them), runc with systemd cgroups, in one CRI table. */
const gpuRuntimes = (cri: string) => `[plugins."${cri}".containerd]
  default_runtime_name = "nvidia"
  [plugins."${cri}".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."${cri}".containerd.runtimes.runc.options]
      SystemdCgroup = true
  [plugins."${cri}".containerd.runtimes.nvidia]
    runtime_type = "io.containerd.runc.v2"
    [plugins."${cri}".containerd.runtimes.nvidia.options]
      BinaryName = "/usr/bin/nvidia-container-runtime"
      SystemdCgroup = true
`;

/** A kubeadm-style node with a GPU runtime: everything issue 15 saw lost, and more. */
const V2_REALISTIC = `version = 2
${IMPORTS}oom_score = -999

[grpc]
  max_recv_message_size = 16777216

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.9"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "/etc/cni/net.d"
${gpuRuntimes('io.containerd.grpc.v1.cri')}  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "/etc/containerd/certs.d"

[plugins."io.containerd.internal.v1.opt"]
  path = "/opt/containerd"
`;

/** An older node: registry mirrors (deprecated, still read by 1.6) instead of config_path. */
const V2_MIRRORS = `version = 2
${IMPORTS}
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.8"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = true
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
    endpoint = ["https://mirror.example.com", "https://registry-1.docker.io"]
`;

/** The same node on containerd 2.x: version 3, the CRI plugin split into images and runtime. */
const V3_REALISTIC = `version = 3
${IMPORTS}
[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "registry.k8s.io/pause:3.10"
[plugins."io.containerd.cri.v1.images".registry]
  config_path = "/etc/containerd/certs.d"
[plugins."io.containerd.cri.v1.runtime".cni]
  bin_dirs = ["/usr/lib/cni"]
  conf_dir = "/etc/cni/net.d"
${gpuRuntimes('io.containerd.cri.v1.runtime')}`;

/** An earlier drop-in that sets the CRI table itself: on 1.x it, not the root config, is what containerd uses. */
const EARLIER_DROPIN = `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n`;

const root = (text: string) => ({ 'etc/containerd/config.toml': text });
const MINIMAL2 = root(`version = 2\n${IMPORTS}`);
/**
 * The cases; `runc` marks a node that relies on containerd's default runc.
 * Its version-2 drop-in spells out 1.x's default runc (1.x drops it once a
 * file names any runtime), whose options include two that 2.x's default
 * lacks: on 2.2.1 those two, at their zero values, are the one other
 * difference, and the test says so exactly.
 */
const CASES: Array<{ name: string; files: Record<string, string>; versions: Version[]; runc?: true }> = [
  {
    name: 'version 2: sandbox image, SystemdCgroup, CNI dirs, config_path, an nvidia default runtime',
    files: root(V2_REALISTIC),
    versions: ['1.6', '2.2.1'],
  },
  { name: 'version 2: registry mirrors', files: root(V2_MIRRORS), versions: ['1.6', '2.2.1'] },
  { name: 'version 2 with only imports', files: MINIMAL2, versions: ['1.6', '2.2.1'], runc: true },
  {
    name: 'version 2 and an earlier drop-in that sets the CRI table',
    files: { ...MINIMAL2, 'etc/containerd/conf.d/10-registry.toml': EARLIER_DROPIN },
    versions: ['1.6', '2.2.1'],
    runc: true,
  },
  { name: 'no root config at all (vaoci writes a minimal one)', files: {}, versions: ['1.6', '2.2.1'], runc: true },
  { name: 'version 3: the same node on containerd 2.x', files: root(V3_REALISTIC), versions: ['2.2.1'] },
  { name: 'version 3 with only imports', files: root(`version = 3\n${IMPORTS}`), versions: ['2.2.1'] },
];

describe('the effective config after install is the one before plus the handler vaoci (containerd config dump)', () => {
  it.each(CASES.flatMap((c) => c.versions.map((v) => [v, c.name, c] as const)))('containerd %s, %s', async (v, _name, c) => {
    const at = node(c.files);
    const before = dump(v, at);
    const r = await vaoci(['node', 'install', '--host-root', at]);
    expect([r.exit, r.stderr]).toEqual([0, '']);
    const after = withoutHandler(v, dump(v, at));
    if (c.runc && v === '2.2.1') {
      const options = after.plugins[CRI[v]].containerd.runtimes.runc.options;
      expect([options.CriuPath, options.NoPivotRoot, before.plugins[CRI[v]].containerd.runtimes.runc.options.CriuPath]).toEqual([
        '',
        false,
        undefined,
      ]);
      delete options.CriuPath;
      delete options.NoPivotRoot;
    }
    expect(after).toEqual(before);
  });

  it('the dry run prints exactly the keys containerd 1.6 gains, and writes nothing', async () => {
    const at = node(root(V2_REALISTIC));
    const untouched = tree(at);
    const dry = await vaoci(['node', 'install', '--host-root', at, '--dry-run']);
    expect(dry.exit).toBe(0);
    expect(tree(at)).toEqual(untouched);
    const lines = dry.stdout.trim().split('\n');
    expect(lines[0]).toBe('vaoci node install --dry-run (containerd, /opt/vaoci): nothing written');
    expect(lines).toContain(`  would write /${DROPIN}`);
    const printed = lines.slice(lines.indexOf("containerd's effective config would change by:") + 1);
    const cri = 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vaoci';
    expect(printed).toEqual([
      `  + ${cri}.container_annotations = ["vaoci.io/*"]`,
      `  + ${cri}.options.BinaryName = "/opt/vaoci/bin/vaoci-runtime"`,
      `  + ${cri}.pod_annotations = ["vaoci.io/*"]`,
      `  + ${cri}.runtime_type = "io.containerd.runc.v2"`,
    ]);
    const json = await vaoci(['node', 'install', '--host-root', at, '--dry-run', '--json']);
    expect(validate('cli-node-install', json.json)).toEqual([]);
    expect(json.json?.changed).toContain(`/${DROPIN}`);
    expect(json.json?.restart).toEqual(['containerd (systemctl restart containerd)']);
    expect(json.json?.config_diff).toEqual(printed.map((l) => l.slice(2)));
    expect(tree(at)).toEqual(untouched);
    await vaoci(['node', 'install', '--host-root', at]);
    const again = await vaoci(['node', 'install', '--host-root', at, '--dry-run']);
    expect(again.stdout).toContain("  nothing to write: the node already has this install\ncontainerd's effective config would not change");
    expect((await vaoci(['node', 'install', '--host-root', at, '--dry-run', '--json'])).json?.config_diff).toEqual([]);
  });

  it("the bug, measured: a handler-only drop-in (vaoci's before) resets 1.6's CRI settings; installing now brings them back", async () => {
    const at = node(root(V2_REALISTIC));
    const before = dump('1.6', at);
    const old = `version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vaoci]\nruntime_type = "io.containerd.runc.v2"\npod_annotations = ["vaoci.io/*"]\ncontainer_annotations = ["vaoci.io/*"]\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vaoci.options]\nBinaryName = "/opt/vaoci/bin/vaoci-runtime"\n`;
    fs.mkdirSync(path.join(at, 'etc/containerd/conf.d'), { recursive: true });
    fs.writeFileSync(path.join(at, DROPIN), old);
    const broken = dump('1.6', at).plugins['io.containerd.grpc.v1.cri'];
    const cri = before.plugins['io.containerd.grpc.v1.cri'];
    expect([broken.sandbox_image, broken.registry.config_path, broken.cni.bin_dir, broken.containerd.default_runtime_name]).toEqual([
      'registry.k8s.io/pause:3.6',
      '',
      '/opt/cni/bin',
      'runc',
    ]);
    expect([cri.sandbox_image, cri.registry.config_path, cri.cni.bin_dir, cri.containerd.default_runtime_name]).toEqual([
      'registry.k8s.io/pause:3.9',
      '/etc/containerd/certs.d',
      '/usr/lib/cni',
      'nvidia',
    ]);
    expect(Object.keys(broken.containerd.runtimes)).toEqual(['vaoci']); // runc and nvidia gone: the CRI plugin cannot start
    const dry = await vaoci(['node', 'install', '--host-root', at, '--dry-run']);
    expect(dry.stdout).toContain('  + plugins."io.containerd.grpc.v1.cri".sandbox_image = "registry.k8s.io/pause:3.9"');
    expect(dry.stdout).toContain('  + plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup = true');
    expect((await vaoci(['node', 'install', '--host-root', at])).exit).toBe(0);
    expect(withoutHandler('1.6', dump('1.6', at))).toEqual(before);
  });
});

describe('uninstall', () => {
  it('restores every file byte for byte, a drop-in that was there before and its directory included', async () => {
    const at = node({
      ...MINIMAL2,
      'etc/containerd/conf.d/10-registry.toml': EARLIER_DROPIN,
      [DROPIN]: "# the node's own file of this name\nversion = 2\n",
    });
    fs.chmodSync(path.join(at, DROPIN), 0o600);
    const before = tree(at);
    expect((await vaoci(['node', 'install', '--host-root', at])).exit).toBe(0);
    expect(tree(at)).not.toEqual(before);
    expect((await vaoci(['node', 'uninstall', '--host-root', at])).exit).toBe(0);
    expect(tree(at)).toEqual(before);
  });

  it("keeps a root config vaoci created once the node has changed it: it is the node's config now", async () => {
    const at = node({});
    expect((await vaoci(['node', 'install', '--host-root', at])).exit).toBe(0);
    const cfg = path.join(at, 'etc/containerd/config.toml');
    fs.appendFileSync(cfg, '[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.9"\n');
    const edited = fs.readFileSync(cfg);
    const r = await vaoci(['node', 'uninstall', '--host-root', at, '--json']);
    expect(r.json?.restored).not.toContain('/etc/containerd/config.toml');
    expect(fs.readFileSync(cfg)).toEqual(edited);
    expect(fs.existsSync(path.join(at, DROPIN))).toBe(false);
  });
});

describe('refusals: one line, exit 2, nothing written', () => {
  const CRI2 = '[plugins."io.containerd.grpc.v1.cri"]';
  const REFUSED: Array<[string, Record<string, string>, string[], string]> = [
    [
      'a later drop-in that sets the CRI table (1.x would drop the handler)',
      {
        ...root(V2_REALISTIC),
        'etc/containerd/conf.d/99-nvidia.toml': `version = 2\n${CRI2}\n  sandbox_image = "registry.k8s.io/pause:3.9"\n`,
      },
      [],
      '`/etc/containerd/conf.d/99-nvidia.toml`: sets [plugins."io.containerd.grpc.v1.cri"] and is imported after `/etc/containerd/conf.d/50-vaoci.toml`, so containerd 1.x would drop the handler vaoci — expected vaoci\'s drop-in to be the last file that sets it (move those settings into /etc/containerd/config.toml or an earlier drop-in)',
    ],
    [
      'k3s',
      { 'var/lib/rancher/k3s/agent/etc/containerd/config.toml': `version = 2\n${CRI2}\n` },
      [],
      '`/var/lib/rancher/k3s/agent/etc/containerd/config.toml`: k3s generates this containerd config from config.toml.tmpl at every start and never reads /etc/containerd — expected a containerd configured by /etc/containerd/config.toml (on k3s, add the runtime handler vaoci to /var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl after {{ template "base" . }} yourself)',
    ],
    [
      'RKE2, even with --engine containerd and an /etc/containerd',
      { ...root(`version = 2\n${IMPORTS}`), 'var/lib/rancher/rke2/agent/etc/containerd/config.toml.tmpl': '{{ template "base" . }}\n' },
      ['--engine', 'containerd'],
      '`/var/lib/rancher/rke2/agent/etc/containerd/config.toml`: RKE2 generates this containerd config from config.toml.tmpl at every start and never reads /etc/containerd — expected a containerd configured by /etc/containerd/config.toml (on RKE2, add the runtime handler vaoci to /var/lib/rancher/rke2/agent/etc/containerd/config.toml.tmpl after {{ template "base" . }} yourself)',
    ],
    [
      'the CRI table in two files that 1.x and 2.x read differently (runc in the root config, the registry in a drop-in)',
      { ...root(V2_REALISTIC), 'etc/containerd/conf.d/10-registry.toml': EARLIER_DROPIN },
      [],
      'containerd 2.x would read plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup = false instead of true: /etc/containerd/config.toml, /etc/containerd/conf.d/10-registry.toml each set [plugins."io.containerd.grpc.v1.cri"], which containerd 1.x and 2.x combine differently — expected those settings in one file (vaoci\'s drop-in can keep only one reading); nothing written',
    ],
    [
      'a CRI table that is not a table',
      root(`version = 2\n${IMPORTS}[plugins]\n"io.containerd.grpc.v1.cri" = "on"\n`),
      [],
      '`/etc/containerd/config.toml`: plugins."io.containerd.grpc.v1.cri" = "on" — expected a table',
    ],
    [
      'runtimes that are not a table',
      root(`version = 2\n${IMPORTS}${CRI2}\ncontainerd = { runtimes = ["runc"] }\n`),
      [],
      '`/etc/containerd/config.toml`: plugins."io.containerd.grpc.v1.cri".containerd.runtimes = ["runc"] — expected a table',
    ],
    [
      'imports that are not paths',
      root('version = 2\nimports = "/etc/containerd/conf.d/*.toml"\n'),
      [],
      '`/etc/containerd/config.toml`: imports = "/etc/containerd/conf.d/*.toml" — expected an array of paths',
    ],
    [
      'version 4',
      root(`version = 4\n${IMPORTS}`),
      [],
      '`/etc/containerd/config.toml`: version = 4 — expected 2 or 3 (migrate it with `containerd config migrate`)',
    ],
    [
      'an imported drop-in that is not TOML',
      { ...root(`version = 2\n${IMPORTS}`), 'etc/containerd/conf.d/10-x.toml': '[plugins\n' },
      [],
      '',
    ],
    [
      "a handler named vaoci that is the node's own",
      root(
        `version = 2\n${IMPORTS}[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vaoci]\n  runtime_type = "io.containerd.kata.v2"\n`,
      ),
      [],
      '`/etc/containerd/config.toml`: plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vaoci = {"runtime_type":"io.containerd.kata.v2"} — expected no runtime handler named vaoci but vaoci\'s (remove it, then run this again)',
    ],
  ];

  it.each(REFUSED)('%s', async (_name, files, args, line) => {
    const at = node(files);
    const before = tree(at);
    for (const dry of [[], ['--dry-run']]) {
      const r = await vaoci(['node', 'install', '--host-root', at, ...args, ...dry]);
      expect(r.exit).toBe(2);
      expect(r.stderr.split('\n').length).toBe(2); // one line and its newline
      if (line) expect(r.stderr).toBe(`vaoci node install: ${line}\n`);
      else expect(r.stderr).toMatch(/^vaoci node install: `\/etc\/containerd\/conf.d\/10-x.toml`: not TOML \(.+\)\n$/);
    }
    expect(tree(at)).toEqual(before);
  });
});

describe("containerd 1.6's CRI plugin loads with vaoci's drop-in (the real daemon)", () => {
  // Its own root, state and socket under a temporary directory: the machine's /etc/containerd and
  // any running containerd are not touched. The daemon needs root (it mounts and sets up cgroups).
  const daemons: ChildProcess[] = [];
  afterAll(() => {
    for (const d of daemons) if (d.exitCode === null) d.kill('SIGTERM');
  });

  /** criStatus starts containerd on the node's config and returns `ctr plugins ls`'s status of the CRI plugin. */
  async function criStatus(at: string): Promise<string> {
    const dir = path.join(work, `daemon${++n}`);
    const sock = path.join(dir, 'containerd.sock');
    const args = ['--config', probeConfig(at), '--root', `${dir}/root`, '--state', `${dir}/state`, '--address', sock];
    const d = spawn(containerd('1.6'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    daemons.push(d);
    let log = '';
    d.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    try {
      for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
      if (!fs.existsSync(sock)) throw new Error(`containerd 1.6 did not start: ${log.trim().split('\n').slice(-3).join(' | ')}`);
      const ls = spawnSync('ctr', ['--address', sock, 'plugins', 'ls'], { encoding: 'utf8' });
      const row = ls.stdout.split('\n').find((l) => /^io\.containerd\.grpc\.v1\s+cri\s/.test(l));
      if (!row) throw new Error(`ctr plugins ls: no CRI plugin (${ls.stderr.trim()})`);
      return row.trim().split(/\s+/).pop() as string;
    } finally {
      d.kill('SIGTERM');
      await new Promise((r) => (d.exitCode === null ? d.once('exit', r) : r(null)));
    }
  }

  it('ok after install on a realistic node and on one with no root config; error with the old handler-only drop-in', async () => {
    if (process.getuid?.() !== 0) throw new Error('starting containerd needs root: run this test as root (make test-ts does)');
    for (const files of [root(V2_REALISTIC), {}]) {
      const at = node(files);
      expect((await vaoci(['node', 'install', '--host-root', at])).exit).toBe(0);
      expect(await criStatus(at)).toBe('ok');
    }
    const at = node(root(`version = 2\n${IMPORTS}`));
    fs.mkdirSync(path.join(at, 'etc/containerd/conf.d'), { recursive: true });
    fs.writeFileSync(
      path.join(at, DROPIN),
      `version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vaoci]\nruntime_type = "io.containerd.runc.v2"\n`,
    );
    expect(await criStatus(at)).toBe('error');
  });
});
