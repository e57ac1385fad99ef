/**
 * `vaoci node install | uninstall | status` against node trees built here
 * (--host-root), in the real file formats: the TOML is parsed with a TOML
 * library, containerd's own `containerd config dump` loads the drop-in, and
 * the node config and install record are checked against their schemas.
 * What is not real: no containerd or CRI-O daemon is restarted or asked to
 * start a pod here (no kubelet/CRI client on this machine).
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { parse } from 'smol-toml';
import { validate } from '../../cli/src/lib/schema';
import { type Json, ROOT, vaoci } from './cli-helpers';
import { tmpDir } from './image-fixtures';
import { tinyElf, writeExecutable } from './fixtures/elf';

const work = tmpDir('node');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
let n = 0;

/** node makes a fresh node tree: runc, and the files given (path → content). */
function node(files: Record<string, string> = {}): string {
  const root = path.join(work, `host${++n}`);
  fs.mkdirSync(path.join(root, 'usr/sbin'), { recursive: true });
  fs.writeFileSync(path.join(root, 'usr/sbin/runc'), '#!/bin/sh\n', { mode: 0o755 });
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  }
  return root;
}

/** snapshot is every path under root with its type, mode and content hash: what "exactly" compares. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      const st = fs.lstatSync(p);
      const hash = e.isFile() ? crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex') : '';
      out.push(`${path.relative(root, p)} ${(st.mode & 0o170000).toString(8)} ${(st.mode & 0o7777).toString(8)} ${hash}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

const V2 = {
  'etc/containerd/config.toml':
    'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.9"\n',
};

describe('containerd', () => {
  it('installs the data plane, the node config and a version-2 drop-in that containerd loads', async () => {
    const root = node(V2);
    const r = await vaoci(['node', 'install', '--host-root', root, '--json']);
    expect(r.exit).toBe(0);
    expect(validate('cli-node-install', r.json)).toEqual([]);
    expect(r.json?.engine).toBe('containerd');
    expect(r.json?.restart).toEqual(['containerd (systemctl restart containerd)']);
    expect(fs.statSync(path.join(root, 'opt/vaoci/bin/vaoci-runtime')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(root, 'opt/vaoci/lib/libvaoci-preload.so')).mode & 0o777).toBe(0o644);
    const config = JSON.parse(fs.readFileSync(path.join(root, 'etc/vaoci/config.json'), 'utf8'));
    expect(config).toEqual({ runtime: '/usr/sbin/runc' });
    expect(validate('node-config', config)).toEqual([]);
    const record = JSON.parse(fs.readFileSync(path.join(root, 'opt/vaoci/install.json'), 'utf8'));
    expect(validate('node-install', record)).toEqual([]);
    // the record says which vaoci installed; this tree has no containerd binary to ask its version
    expect(record).toMatchObject({
      vaoci_version: JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version,
      engine_version: null,
    });
    const text = fs.readFileSync(path.join(root, 'etc/containerd/conf.d/50-vaoci.toml'), 'utf8');
    const doc = parse(text) as Json;
    expect(doc.version).toBe(2);
    expect(doc.plugins['io.containerd.grpc.v1.cri'].containerd.runtimes.vaoci).toEqual({
      runtime_type: 'io.containerd.runc.v2',
      pod_annotations: ['vaoci.io/*'],
      container_annotations: ['vaoci.io/*'],
      options: { BinaryName: '/opt/vaoci/bin/vaoci-runtime' },
    });
    // containerd's own loader: a root config importing the drop-in by its path in this tree.
    const probe = path.join(work, `containerd-${n}.toml`);
    fs.writeFileSync(probe, `version = 2\nimports = ["${path.join(root, 'etc/containerd/conf.d')}/*.toml"]\n`);
    const dump = spawnSync('containerd', ['--config', probe, 'config', 'dump'], { encoding: 'utf8' });
    expect(dump.status).toBe(0);
    const vaociHandler = (parse(dump.stdout) as Json).plugins['io.containerd.grpc.v1.cri'].containerd.runtimes.vaoci;
    expect(vaociHandler).toMatchObject({
      pod_annotations: ['vaoci.io/*'],
      runtime_type: 'io.containerd.runc.v2',
      options: { BinaryName: '/opt/vaoci/bin/vaoci-runtime' },
    });
  });

  it('a version-3 root config (containerd 2.x) gets a version-3 drop-in under the new CRI plugin', async () => {
    const root = node({ 'etc/containerd/config.toml': 'version = 3\nimports = ["/etc/containerd/conf.d/*.toml"]\n' });
    expect((await vaoci(['node', 'install', '--host-root', root])).exit).toBe(0);
    const doc = parse(fs.readFileSync(path.join(root, 'etc/containerd/conf.d/50-vaoci.toml'), 'utf8')) as Json;
    expect(doc.version).toBe(3);
    expect(doc.plugins['io.containerd.cri.v1.runtime'].containerd.runtimes.vaoci.pod_annotations).toEqual(['vaoci.io/*']);
    expect(doc.plugins['io.containerd.grpc.v1.cri']).toBeUndefined();
  });

  it('twice is once: the second run writes nothing and asks for no restart', async () => {
    const root = node(V2);
    await vaoci(['node', 'install', '--host-root', root]);
    const once = snapshot(root);
    const again = await vaoci(['node', 'install', '--host-root', root, '--json']);
    expect([again.exit, again.json?.changed, again.json?.restart]).toEqual([0, [], []]);
    expect(snapshot(root)).toEqual(once);
  });

  it('uninstall restores the node exactly, a file that was there before included', async () => {
    const root = node({ ...V2, 'etc/vaoci/config.json': '{"runtime": "/usr/local/bin/runc"}\n' });
    fs.chmodSync(path.join(root, 'etc/vaoci/config.json'), 0o600);
    const before = snapshot(root);
    await vaoci(['node', 'install', '--host-root', root]);
    expect(snapshot(root)).not.toEqual(before);
    const r = await vaoci(['node', 'uninstall', '--host-root', root, '--json']);
    expect(r.exit).toBe(0);
    expect(validate('cli-node-uninstall', r.json)).toEqual([]);
    expect(snapshot(root)).toEqual(before);
    const none = await vaoci(['node', 'uninstall', '--host-root', root, '--json']);
    expect([none.exit, none.json?.installed]).toEqual([0, false]);
  });

  it('a root config without drop-ins: nothing written, the line to add', async () => {
    const root = node({ 'etc/containerd/config.toml': 'version = 2\n[plugins]\n' });
    const before = snapshot(root);
    const r = await vaoci(['node', 'install', '--host-root', root]);
    expect(r.exit).toBe(2);
    expect(r.stderr).toBe(
      'vaoci node install: `/etc/containerd/config.toml` imports no drop-in directory — expected `imports = ["/etc/containerd/conf.d/*.toml"]` in it (vaoci never rewrites the root config; add the line, then run this again)\n',
    );
    expect(snapshot(root)).toEqual(before);
  });

  it('no root config at all: a minimal one that imports the drop-ins, removed again by uninstall', async () => {
    const root = node({ 'usr/bin/containerd': '' });
    const before = snapshot(root);
    expect((await vaoci(['node', 'install', '--host-root', root])).exit).toBe(0);
    expect(parse(fs.readFileSync(path.join(root, 'etc/containerd/config.toml'), 'utf8'))).toEqual({
      version: 2,
      imports: ['/etc/containerd/conf.d/*.toml'],
    });
    await vaoci(['node', 'uninstall', '--host-root', root]);
    expect(snapshot(root)).toEqual(before);
  });
});

describe('crash-safe: what a killed run leaves, the next run finishes (test/reliability/installer.sh kills at every step)', () => {
  it("uninstall killed after putting a file back (its backup gone, the record still there): the next keeps the node's file", async () => {
    const root = node({ ...V2, 'etc/vaoci/config.json': '{"runtime": "/usr/local/bin/runc"}\n' });
    const before = snapshot(root);
    await vaoci(['node', 'install', '--host-root', root]);
    const backup = path.join(root, 'opt/vaoci/backup/%2Fetc%2Fvaoci%2Fconfig.json');
    fs.renameSync(backup, path.join(root, 'etc/vaoci/config.json')); // what that uninstall had done
    expect((await vaoci(['node', 'uninstall', '--host-root', root])).exit).toBe(0);
    expect(snapshot(root)).toEqual(before);
  });

  it('a record beside PREFIX (uninstall killed once it moved the record out, to remove PREFIX): status and the next uninstall find it', async () => {
    const root = node(V2);
    fs.rmSync(path.join(root, 'opt'), { recursive: true, force: true });
    const before = snapshot(root);
    await vaoci(['node', 'install', '--host-root', root]);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'opt/vaoci/install.json'), 'utf8')).created_dirs.slice(0, 2)).toEqual([
      '/opt',
      '/opt/vaoci',
    ]);
    // beside /opt, the outermost directory vaoci made, under a name of the prefix's own
    const side = `.vaoci-install-${crypto.createHash('sha256').update('/opt/vaoci').digest('hex').slice(0, 12)}.json`;
    fs.renameSync(path.join(root, 'opt/vaoci/install.json'), path.join(root, side));
    expect((await vaoci(['node', 'status', '--host-root', root, '--json'])).json?.installed).toBe(true);
    expect((await vaoci(['node', 'uninstall', '--host-root', root])).exit).toBe(0);
    expect(snapshot(root)).toEqual(before);
  });

  it("a second installer waits for the one holding the lock (one line), then runs; a dead holder's lock is taken over", async () => {
    const root = node(V2);
    fs.mkdirSync(path.join(root, 'run'));
    const sock = path.join(root, 'run/vaoci-node-install.sock');
    const holder = net.createServer((c) => c.end());
    await new Promise<void>((r) => holder.listen(sock, () => r()));
    setTimeout(() => holder.close(), 600);
    const t0 = Date.now();
    const r = await vaoci(['node', 'install', '--host-root', root]);
    expect([r.exit, r.stderr]).toEqual([0, `another vaoci node install or uninstall is running (lock \`${sock}\`); waiting\n`]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect(fs.existsSync(sock)).toBe(false);
    // a holder killed with its socket still there: refused connections, so not waited for
    expect(
      spawnSync(process.execPath, [
        '-e',
        `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`,
      ]).signal,
    ).toBe('SIGKILL');
    expect(fs.existsSync(sock)).toBe(true);
    const u = await vaoci(['node', 'uninstall', '--host-root', root]);
    expect([u.exit, u.stderr]).toEqual([0, '']);
  });
});

describe('status: would an annotation reach a container?', () => {
  it('yes after an install; no when the root config stops importing, or the drop-in drops pod_annotations', async () => {
    const root = node(V2);
    const before = await vaoci(['node', 'status', '--host-root', root]);
    expect([before.exit, before.stderr]).toEqual([
      1,
      'vaoci node status: annotations would not reach containers: vaoci is not installed under /opt/vaoci\n',
    ]);
    await vaoci(['node', 'install', '--host-root', root]);
    const ok = await vaoci(['node', 'status', '--host-root', root, '--json']);
    expect(ok.exit).toBe(0);
    expect(validate('cli-node-status', ok.json)).toEqual([]);
    expect(ok.json?.annotations_reach.ok).toBe(true);
    expect(ok.json?.files.every((f: Json) => f.state === 'ok')).toBe(true);

    const dropin = path.join(root, 'etc/containerd/conf.d/50-vaoci.toml');
    fs.writeFileSync(dropin, fs.readFileSync(dropin, 'utf8').replace(/^pod_annotations.*$/m, ''));
    const edited = await vaoci(['node', 'status', '--host-root', root, '--json']);
    expect(edited.exit).toBe(1);
    expect(edited.json?.annotations_reach.why).toBe('the handler "vaoci" lets no vaoci.io/ pod annotation through (pod_annotations: [])');
    expect(edited.json?.files.find((f: Json) => f.path.endsWith('50-vaoci.toml')).state).toBe('changed');

    await vaoci(['node', 'install', '--host-root', root]); // repairs it
    fs.writeFileSync(path.join(root, 'etc/containerd/config.toml'), 'version = 2\n');
    const noImports = await vaoci(['node', 'status', '--host-root', root, '--json']);
    expect(noImports.json?.annotations_reach.why).toMatch(/^`\/etc\/containerd\/config.toml` imports no drop-in directory/);
  });
});

describe('status: who runs x86-64 ELF', () => {
  const register = (root: string, interpreter: string) => {
    const dir = path.join(root, 'proc/sys/fs/binfmt_misc');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'status'), 'enabled\n');
    fs.writeFileSync(
      path.join(dir, 'qemu-x86_64'),
      `enabled\ninterpreter ${interpreter}\nflags: F\noffset 0\nmagic 7f454c4602010100000000000000000002003e00\nmask fffffffffffefe00fffffffffffffffffeffffff\n`,
    );
  };

  it('the registered interpreter, and the emulator behind vaoci-binfmt', async () => {
    const root = node(V2);
    await vaoci(['node', 'install', '--host-root', root]);
    expect((await vaoci(['node', 'status', '--host-root', root, '--json'])).json?.x86_64).toBeNull();
    register(root, '/usr/bin/qemu-x86_64-static');
    const direct = await vaoci(['node', 'status', '--host-root', root, '--json']);
    expect(validate('cli-node-status', direct.json)).toEqual([]);
    expect(direct.json?.x86_64).toEqual({
      entry: 'qemu-x86_64',
      interpreter: '/usr/bin/qemu-x86_64-static',
      flags: 'F',
      emulator: 'qemu',
      behind: null,
    });
    register(root, '/opt/vaoci/bin/vaoci-binfmt');
    fs.writeFileSync(path.join(root, 'etc/vaoci/launch.conf'), '# test\nemulator = /usr/bin/qemu-x86_64-static\nva-limit = x86_64\n');
    const behind = await vaoci(['node', 'status', '--host-root', root]);
    expect(behind.stdout).toContain(
      'x86-64 ELF runs under: qemu-x86_64: vaoci-binfmt (/opt/vaoci/bin/vaoci-binfmt, flags F) → /usr/bin/qemu-x86_64-static, window x86_64',
    );
  });
});

describe('--restart', () => {
  // A stand-in for the node's systemd (none runs here): the node tree's own /bin/sh (busybox) and a
  // /usr/bin/systemctl that logs its arguments. What is real: the chroot into the node's root and
  // the decision when to restart.
  it('restarts the engine through chroot when its config changed, and only then', async () => {
    const root = node(V2);
    fs.mkdirSync(path.join(root, 'bin'));
    fs.copyFileSync('/bin/busybox', path.join(root, 'bin/sh'));
    fs.chmodSync(path.join(root, 'bin/sh'), 0o755);
    fs.mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
    fs.writeFileSync(path.join(root, 'usr/bin/systemctl'), '#!/bin/sh\necho "$*" >>/restarts.log\n', { mode: 0o755 });
    const log = () => (fs.existsSync(path.join(root, 'restarts.log')) ? fs.readFileSync(path.join(root, 'restarts.log'), 'utf8') : '');
    const first = await vaoci(['node', 'install', '--host-root', root, '--restart', '--json']);
    expect([first.exit, first.json?.restarted, first.json?.restart]).toEqual([0, `chroot ${root} systemctl restart containerd`, []]);
    expect(log()).toBe('restart containerd\n');
    const again = await vaoci(['node', 'install', '--host-root', root, '--restart', '--json']);
    expect([again.json?.restarted, log()]).toEqual([null, 'restart containerd\n']);
    const un = await vaoci(['node', 'uninstall', '--host-root', root, '--restart', '--json']);
    expect(validate('cli-node-uninstall', un.json)).toEqual([]);
    expect(log()).toBe('restart containerd\nrestart containerd\n');
    fs.writeFileSync(path.join(root, 'usr/bin/systemctl'), '#!/bin/sh\necho "Failed to restart $2.service: Unit not found." >&2; exit 5\n');
    const failed = await vaoci(['node', 'install', '--host-root', root, '--restart']);
    expect([failed.exit, failed.stderr]).toEqual([
      1,
      `vaoci node install: chroot ${root} systemctl restart containerd: Failed to restart containerd.service: Unit not found.\n`,
    ]);
    // The failed restart is still owed: the next install --restart tries again although no file changes.
    fs.writeFileSync(path.join(root, 'usr/bin/systemctl'), '#!/bin/sh\necho "$*" >>/restarts.log\n');
    const retry = await vaoci(['node', 'install', '--host-root', root, '--restart', '--json']);
    expect([retry.exit, retry.json?.changed, retry.json?.restarted]).toEqual([0, [], `chroot ${root} systemctl restart containerd`]);
    expect(log()).toBe('restart containerd\nrestart containerd\nrestart containerd\n');
  });
});

describe('--mode: nri (vaoci-nri, no engine config, no restart), auto, runtime-class', () => {
  /** serveNri makes the node's NRI socket where engines put it: /var/run/nri, with /var/run -> /run (absolute, as on most nodes). */
  const serveNri = async (root: string): Promise<net.Server> => {
    fs.mkdirSync(path.join(root, 'run/nri'), { recursive: true });
    fs.mkdirSync(path.join(root, 'var'), { recursive: true });
    fs.symlinkSync('/run', path.join(root, 'var/run'));
    const server = net.createServer((c) => c.end());
    await new Promise<void>((r) => server.listen(path.join(root, 'run/nri/nri.sock'), () => r()));
    return server;
  };

  it('auto on an engine serving NRI: vaoci-nri, the node config, no drop-in, nothing to restart; twice = once; uninstall exact', async () => {
    const root = node(V2);
    const server = await serveNri(root);
    try {
      const before = snapshot(root);
      const r = await vaoci(['node', 'install', '--host-root', root, '--mode', 'auto', '--restart', '--json']);
      expect([r.exit, r.stderr]).toEqual([0, '']);
      expect(validate('cli-node-install', r.json)).toEqual([]);
      expect([r.json?.mode, r.json?.restart, r.json?.restarted]).toEqual(['nri', [], null]);
      expect(fs.statSync(path.join(root, 'opt/vaoci/bin/vaoci-nri')).mode & 0o777).toBe(0o755);
      expect(fs.existsSync(path.join(root, 'etc/containerd/conf.d/50-vaoci.toml'))).toBe(false);
      expect(fs.readFileSync(path.join(root, 'etc/containerd/config.toml'), 'utf8')).toBe(V2['etc/containerd/config.toml']);
      const record = JSON.parse(fs.readFileSync(path.join(root, 'opt/vaoci/install.json'), 'utf8'));
      expect(validate('node-install', record)).toEqual([]);
      expect([record.mode, record.pending_restart]).toEqual(['nri', false]);
      const st = await vaoci(['node', 'status', '--host-root', root, '--json']);
      expect([st.exit, st.json?.mode, st.json?.annotations_reach.ok]).toEqual([0, 'nri', true]);
      expect(validate('cli-node-status', st.json)).toEqual([]);
      const again = await vaoci(['node', 'install', '--host-root', root, '--mode', 'nri', '--json']);
      expect([again.exit, again.json?.changed]).toEqual([0, []]);
      const u = await vaoci(['node', 'uninstall', '--host-root', root, '--restart', '--json']);
      expect([u.exit, u.json?.restart, u.json?.restarted]).toEqual([0, [], null]);
      expect(snapshot(root)).toEqual(before);
    } finally {
      server.close();
    }
  });

  it('auto without NRI is runtime-class; --mode nri without it is one line, exit 2, nothing written', async () => {
    const root = node(V2);
    const before = snapshot(root);
    const r = await vaoci(['node', 'install', '--host-root', root, '--mode', 'nri']);
    expect([r.exit, r.stderr]).toEqual([
      2,
      'vaoci node install: --mode `nri`: no NRI socket at /var/run/nri/nri.sock on the node — expected an engine serving NRI (containerd >= 2.0 by default; containerd 1.7 or CRI-O with NRI enabled), or --mode runtime-class\n',
    ]);
    expect(snapshot(root)).toEqual(before);
    const auto = await vaoci(['node', 'install', '--host-root', root, '--mode', 'auto', '--json']);
    expect([auto.exit, auto.json?.mode]).toEqual([0, 'runtime-class']);
    expect(fs.existsSync(path.join(root, 'etc/containerd/conf.d/50-vaoci.toml'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'opt/vaoci/bin/vaoci-nri'))).toBe(false);
    // a runtime-class record keeps the form older vaoci reads (test/reliability's downgrade installs over it)
    expect(JSON.parse(fs.readFileSync(path.join(root, 'opt/vaoci/install.json'), 'utf8'))).not.toHaveProperty('mode');
  });

  it('runtime-class to nri and back: the drop-in goes and comes, vaoci-nri comes and goes, nri restarts nothing', async () => {
    const root = node(V2);
    const server = await serveNri(root);
    try {
      const before = snapshot(root);
      expect((await vaoci(['node', 'install', '--host-root', root])).exit).toBe(0);
      const toNri = await vaoci(['node', 'install', '--host-root', root, '--mode', 'nri', '--json']);
      expect([toNri.exit, toNri.json?.restart]).toEqual([0, []]);
      expect(toNri.json?.changed).toEqual(expect.arrayContaining(['/opt/vaoci/bin/vaoci-nri', '/etc/containerd/conf.d/50-vaoci.toml']));
      expect(fs.existsSync(path.join(root, 'etc/containerd/conf.d/50-vaoci.toml'))).toBe(false);
      const back = await vaoci(['node', 'install', '--host-root', root, '--json']);
      expect([back.exit, back.json?.mode, back.json?.restart]).toEqual([0, 'runtime-class', ['containerd (systemctl restart containerd)']]);
      expect(fs.existsSync(path.join(root, 'opt/vaoci/bin/vaoci-nri'))).toBe(false);
      expect((await vaoci(['node', 'uninstall', '--host-root', root])).exit).toBe(0);
      expect(snapshot(root)).toEqual(before);
    } finally {
      server.close();
    }
  });
});

describe('CRI-O and bad input', () => {
  it('CRI-O (found by auto): a crio.conf.d drop-in naming vaoci-runtime', async () => {
    const root = node({ 'etc/crio/crio.conf': '[crio]\n' });
    const r = await vaoci(['node', 'install', '--host-root', root, '--json']);
    expect([r.exit, r.json?.engine, r.json?.restart]).toEqual([0, 'cri-o', ['crio (systemctl restart crio)']]);
    const doc = parse(fs.readFileSync(path.join(root, 'etc/crio/crio.conf.d/50-vaoci.conf'), 'utf8')) as Json;
    expect(doc.crio.runtime.runtimes.vaoci).toEqual({ runtime_path: '/opt/vaoci/bin/vaoci-runtime', runtime_type: 'oci' });
    expect((await vaoci(['node', 'status', '--host-root', root])).exit).toBe(0);
  });

  it('one line, exit 2, nothing written: no engine, both engines, a bad node config, a relative prefix', async () => {
    const none = node();
    const before = snapshot(none);
    const r1 = await vaoci(['node', 'install', '--host-root', none]);
    expect([r1.exit, r1.stderr]).toEqual([
      2,
      'vaoci node install: --engine `auto`: neither containerd nor CRI-O is on this node — expected --engine containerd or --engine cri-o\n',
    ]);
    const both = node({ ...V2, 'etc/crio/crio.conf': '' });
    expect((await vaoci(['node', 'install', '--host-root', both])).stderr).toContain('both containerd and CRI-O are on this node');
    const bad = path.join(work, 'bad-config.json');
    fs.writeFileSync(bad, JSON.stringify({ runtime: 'runc' }));
    const r3 = await vaoci(['node', 'install', '--host-root', none, '--engine', 'containerd', '--node-config', bad]);
    expect(r3.exit).toBe(2);
    expect(r3.stderr).toMatch(/^vaoci node install: --node-config `.*bad-config\.json` \/runtime: value "runc" — expected .*\n$/);
    const r4 = await vaoci(['node', 'install', '--host-root', none, '--prefix', 'opt/vaoci']);
    expect(r4.stderr).toBe('vaoci node install: --prefix `opt/vaoci`: expected an absolute path\n');
    expect(snapshot(none)).toEqual(before);
  });

  it('a --host-root that is not a directory: one line, exit 2, for every node command', async () => {
    const file = path.join(work, 'not-a-root');
    fs.writeFileSync(file, '');
    for (const [verb, root] of [
      ['install', path.join(work, 'no-such-root')],
      ['uninstall', file],
      ['status', file],
    ]) {
      const r = await vaoci(['node', verb, '--host-root', root]);
      expect([r.exit, r.stderr]).toEqual([
        2,
        `vaoci node ${verb}: --host-root \`${root}\`: expected the node's root directory (/ on the node, /host in the DaemonSet)\n`,
      ]);
    }
    expect(fs.existsSync(path.join(work, 'no-such-root'))).toBe(false);
  });

  it('--prefix elsewhere: the node config points the wrapper at the preload there', async () => {
    const root = node(V2);
    await vaoci(['node', 'install', '--host-root', root, '--prefix', '/usr/local/vaoci']);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'etc/vaoci/config.json'), 'utf8'))).toEqual({
      runtime: '/usr/sbin/runc',
      injection: { host_dir: '/usr/local/vaoci' },
    });
    expect(
      (parse(fs.readFileSync(path.join(root, 'etc/containerd/conf.d/50-vaoci.toml'), 'utf8')) as Json).plugins['io.containerd.grpc.v1.cri']
        .containerd.runtimes.vaoci.options.BinaryName,
    ).toBe('/usr/local/vaoci/bin/vaoci-runtime');
  });
});

describe('vaoci-binfmt in front of a static emulator, in the real binfmt_misc', () => {
  // Real: this kernel's binfmt_misc (mounted again under the node tree: one instance, so the
  // installer's writes reach the kernel), the bundle it writes, the kernel running it with flag F.
  // The "emulator" is test/launch/probe.c built static, fronted by name (--binfmt) under a made-up
  // magic: an x86-64 ELF entry would take over every program on this x86-64 machine.
  const canRun = process.getuid?.() === 0 && fs.existsSync('/proc/sys/fs/binfmt_misc');
  const it_ = canRun ? it : it.skip;
  const entry = `vaoci-test-emu-${process.pid}`;
  let root = '';
  let dir = '';
  afterAll(() => {
    for (const e of [entry, `vaoci-${entry}`]) if (dir && fs.existsSync(path.join(dir, e))) fs.writeFileSync(path.join(dir, e), '-1');
    if (dir) spawnSync('umount', [dir]);
  });

  it_(
    'install registers the bundle and disables the entry; a magic file runs inside the window even where the emulator is hidden; uninstall restores',
    async () => {
      root = node(V2);
      dir = path.join(root, 'proc/sys/fs/binfmt_misc');
      fs.mkdirSync(dir, { recursive: true });
      expect(spawnSync('mount', ['-t', 'binfmt_misc', 'none', dir]).status).toBe(0);
      const emu = path.join(root, 'usr/bin/emu-static');
      fs.mkdirSync(path.dirname(emu), { recursive: true });
      const cc = spawnSync('gcc', ['-static', '-O2', '-pthread', '-o', emu, path.join(ROOT, 'test/launch/probe.c')], { encoding: 'utf8' });
      expect(cc.stderr).toBe('');
      fs.writeFileSync(path.join(dir, 'register'), `:${entry}:M::VAOCITST::${emu}:F`);
      // A node registers node paths; this kernel was given one on this machine, which the node tree maps back.
      fs.mkdirSync(path.join(root, root), { recursive: true });
      fs.symlinkSync(path.join(root, 'usr'), path.join(root, root, 'usr'));
      const file = path.join(root, 'prog.vaocitst');
      fs.writeFileSync(file, 'VAOCITST then anything\n', { mode: 0o755 });
      const run = (env: Record<string, string>, hide = false) =>
        spawnSync('unshare', ['-m', 'sh', '-c', `${hide ? 'mount --bind /dev/null "$1" && ' : ''}exec "$0" a b`, file, emu], {
          encoding: 'utf8',
          env: { PATH: '/usr/bin:/bin', ...env },
        });

      const before = run({ PROBE_WINDOW: 'i386' });
      expect(before.stdout).toMatch(/^maps: OUTSIDE i386/m); // the emulator alone: mappings above 4 GiB

      const r = await vaoci(['node', 'install', '--host-root', root, '--binfmt', entry, '--binfmt-va-limit', 'i386', '--json']);
      expect(r.stderr).toBe('');
      expect(r.exit).toBe(0);
      expect(validate('cli-node-install', r.json)).toEqual([]);
      const bundle = path.join(root, 'opt/vaoci/binfmt', entry, 'vaoci-binfmt');
      expect(r.json?.binfmt).toEqual({ entry: `vaoci-${entry}`, fronts: entry, interpreter: bundle, changed: true });
      expect(fs.readFileSync(path.join(dir, entry), 'utf8')).toMatch(/^disabled\n/);
      expect(fs.readFileSync(path.join(dir, `vaoci-${entry}`), 'utf8')).toMatch(
        new RegExp(`^enabled\\ninterpreter ${bundle}\\nflags: F\\n`),
      );

      const inside = run({ PROBE_WINDOW: 'i386' }, true); // the emulator's path hidden, as in a container
      expect(inside.stderr).toBe('');
      expect(inside.stdout).toMatch(/^argv\[0\]=.*\/usr\/bin\/emu-static$/m);
      expect(inside.stdout).toMatch(/^maps: \d+ own addresses and \d+ new mappings inside i386$/m);
      expect(inside.status).toBe(0);
      const wider = run({ PROBE_WINDOW: '0x10000-0x10000000000', VAOCI_VA_LIMIT: '0x10000-0x10000000000' }, true);
      expect(wider.stdout).toMatch(/inside 0x10000-0x10000000000$/m); // a container's own window wins

      const again = await vaoci(['node', 'install', '--host-root', root, '--binfmt', entry, '--binfmt-va-limit', 'i386', '--json']);
      expect(again.json?.binfmt?.changed).toBe(false);
      expect(again.json?.changed).toEqual([]);

      const st = await vaoci(['node', 'status', '--host-root', root, '--json']);
      expect(validate('cli-node-status', st.json)).toEqual([]);
      expect(st.json?.binfmt).toEqual({ entry: `vaoci-${entry}`, fronts: entry, registered: true, fronts_state: 'disabled' });

      // --binfmt never takes vaoci out of the way (the entry enabled again, the bundle gone); naming it again puts it back
      const never = await vaoci(['node', 'install', '--host-root', root, '--binfmt', 'never', '--json']);
      expect(never.json?.binfmt).toBeNull();
      expect(never.json?.restart).toEqual([]); // only the bundle went: no engine restart
      expect(fs.existsSync(path.join(dir, `vaoci-${entry}`))).toBe(false);
      expect(fs.readFileSync(path.join(dir, entry), 'utf8')).toMatch(/^enabled\n/);
      expect(fs.existsSync(bundle)).toBe(false);
      const back = await vaoci(['node', 'install', '--host-root', root, '--binfmt', entry, '--binfmt-va-limit', 'i386', '--json']);
      expect(back.json?.binfmt?.changed).toBe(true);
      expect(run({ PROBE_WINDOW: 'i386' }, true).stdout).toMatch(/inside i386$/m);

      const u = await vaoci(['node', 'uninstall', '--host-root', root]);
      expect(u.exit).toBe(0);
      expect(fs.existsSync(path.join(dir, `vaoci-${entry}`))).toBe(false);
      expect(fs.readFileSync(path.join(dir, entry), 'utf8')).toMatch(/^enabled\n/);
      expect(fs.existsSync(bundle)).toBe(false);
      expect(run({ PROBE_WINDOW: 'i386' }).stdout).toMatch(/^maps: OUTSIDE i386/m); // back to the emulator alone
    },
  );

  it('--binfmt naming no entry, or a bad --binfmt-va-limit: one line each, nothing written', async () => {
    const r = node(V2);
    const none = await vaoci(['node', 'install', '--host-root', r, '--binfmt', 'no-such-entry']);
    expect(none.exit).toBe(2);
    expect(none.stderr.trim().split('\n')).toEqual([
      'vaoci node install: --binfmt `no-such-entry`: no such binfmt_misc entry — expected auto, never, or one of: (none registered)',
    ]);
    const bad = await vaoci(['node', 'install', '--host-root', r, '--binfmt-va-limit', 'i368']);
    expect(bad.exit).toBe(2);
    expect(bad.stderr).toContain('--binfmt-va-limit `i368`: expected x86_64, i386 or 0xLOWER-0xUPPER');
    expect(fs.existsSync(path.join(r, 'opt/vaoci'))).toBe(false);
  });
});

describe('--binfmt auto: which entry it fronts', () => {
  // A stand-in binfmt_misc (plain files: the kernel's is exercised above with a made-up magic, since
  // an x86-64 ELF entry would take over this x86-64 machine): here only the decision is real —
  // a static qemu is fronted, a dynamic one is not — and the writes it makes are recorded as files.
  const fronted = async (interp?: string) => {
    const root = node(V2);
    const dir = path.join(root, 'proc/sys/fs/binfmt_misc');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'register'), '');
    writeExecutable(path.join(root, 'usr/bin/qemu-x86_64-static'), tinyElf({ bits: 64, machine: 183, interp }));
    fs.writeFileSync(
      path.join(dir, 'qemu-x86_64'),
      'enabled\ninterpreter /usr/bin/qemu-x86_64-static\nflags: OCF\noffset 0\nmagic 7f454c4602010100000000000000000002003e00\nmask fffffffffffefe00fffffffffffffffffeffffff\n',
    );
    const r = await vaoci(['node', 'install', '--host-root', root, '--json']);
    expect(r.exit).toBe(0);
    return {
      r,
      register: fs.readFileSync(path.join(dir, 'register'), 'utf8'),
      entry: fs.readFileSync(path.join(dir, 'qemu-x86_64'), 'utf8'),
    };
  };

  it('a static qemu running x86-64 ELF: the bundle registered with its magic and flags plus F, the entry disabled', async () => {
    const { r, register, entry } = await fronted();
    expect(r.json?.binfmt).toMatchObject({ entry: 'vaoci-qemu-x86_64', fronts: 'qemu-x86_64', changed: true });
    expect(register).toMatch(
      /^:vaoci-qemu-x86_64:M:0:\\x7f\\x45\\x4c\\x46\\x02.*:\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00.*:\/.*\/opt\/vaoci\/binfmt\/qemu-x86_64\/vaoci-binfmt:OCF$/,
    );
    expect(entry).toBe('0');
  });

  it('a dynamic qemu: nothing fronted (the preload reaches it)', async () => {
    const { r, register } = await fronted('/lib/ld-linux-aarch64.so.1');
    expect(r.json?.binfmt).toBeNull();
    expect(register).toBe('');
  });
});
