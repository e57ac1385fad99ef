/**
 * `vaoci doctor`: each verdict from written facts (the checks are pure), and
 * the command itself on a node tree (--host-root) with real ELF interpreters
 * (tiny aarch64 headers) and a real bundle. What is not real here: this
 * x86-64 machine is not an arm64 node, so the command's own run reports an
 * x86-64 address space; the arm64 verdicts are the fact-driven ones. The
 * engine's version through a chroot into the node root needs root:
 * doctor-engine.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildBundle, launchConfigText } from '../../cli/src/lib/bundle';
import {
  type DoctorFacts,
  diagnose,
  x86_64Elf,
  i386Elf,
  install,
  addressSpace,
  runtime,
  engine,
  version,
  summarize,
} from '../../cli/src/lib/doctor/checks';
import { bootFacts } from '../../cli/src/lib/doctor/boot-facts';
import { parseVersion } from '../../cli/src/lib/node/engine';
import { probe } from '../../cli/src/lib/probe';
import { locateTool } from '../../cli/src/lib/tool';
import { vaociVersion } from '../../cli/src/lib/version';
import { validate } from '../../cli/src/lib/schema';
import type { BinfmtEntry } from '../../cli/src/lib/policy/types';
import { vaoci } from './cli-helpers';
import { tmpDir } from './image-fixtures';
import { tinyElf, writeExecutable } from './fixtures/elf';

const qemu = (o: Partial<BinfmtEntry> = {}): BinfmtEntry => ({
  entry: 'qemu-x86_64',
  emulator: 'qemu',
  interpreter: '/usr/bin/qemu-x86_64-static',
  flags: 'F',
  linkage: 'static',
  ...o,
});
const facts = (o: Partial<DoctorFacts> = {}): DoctorFacts => ({
  arch: 'aarch64',
  vaBits: 48,
  x86_64: { entry: qemu(), behind: null },
  i386: { entry: qemu({ entry: 'qemu-i386', interpreter: '/usr/bin/qemu-i386-static' }), behind: null },
  status: {
    installed: true,
    prefix: '/opt/vaoci',
    mode: 'runtime-class',
    files: [{ path: '/opt/vaoci/bin/vaoci-runtime', state: 'ok' }],
    annotations_reach: { ok: true, why: 'ok' },
    binfmt: null,
  },
  runtimes: ['/usr/bin/runc'],
  engine: {
    engine: 'containerd',
    binary: '/usr/bin/containerd',
    version: '1.6.20~ds1',
    version_from: 'engine',
    handler: { present: true, why: '/etc/containerd/config.toml and its drop-ins define the runtime handler "vaoci"' },
  },
  running: {
    present: true,
    why: 'the running containerd reports the runtime handler "vaoci" (CRI status at /run/containerd/containerd.sock, info.config)',
  },
  version: { running: '0.0.0', installed: '0.0.0' },
  ...o,
});

describe('the verdicts', () => {
  test('a static qemu not fronted: warn, naming the gap and the fix', () => {
    const c = x86_64Elf(facts());
    expect(c.status).toBe('warn');
    expect(c.detail).toContain('statically linked, LD_PRELOAD cannot reach it');
    expect(c.detail).toContain('`vaoci node install` puts vaoci-binfmt in front of it');
  });

  test('vaoci-binfmt in front, from its bundle: ok, naming the emulator behind and the window', () => {
    const entry = qemu({ entry: 'vaoci-qemu-x86_64', interpreter: '/opt/vaoci/binfmt/qemu-x86_64/vaoci-binfmt', launcher: true });
    const c = x86_64Elf(
      facts({ x86_64: { entry, behind: { emulator: '/usr/bin/qemu-x86_64-static', va_limit: 'x86_64', from: 'bundle' } } }),
    );
    expect(c).toEqual({
      name: 'x86-64 ELF',
      status: 'ok',
      detail:
        "vaoci-qemu-x86_64: vaoci-binfmt (/opt/vaoci/binfmt/qemu-x86_64/vaoci-binfmt, flags F) in front of /usr/bin/qemu-x86_64-static, carried in its bundle; it reserves x86_64 (or the container's VAOCI_VA_LIMIT) in every x86-64 process",
    });
    expect(x86_64Elf(facts({ x86_64: { entry, behind: { emulator: null, va_limit: null, from: 'launch.conf' } } })).status).toBe('fail');
  });

  test('dynamic qemu: ok with F, warn without; FEX ok; none fails on arm64, native on x86-64', () => {
    expect(x86_64Elf(facts({ x86_64: { entry: qemu({ linkage: 'dynamic' }), behind: null } })).status).toBe('ok');
    expect(x86_64Elf(facts({ x86_64: { entry: qemu({ linkage: 'dynamic', flags: '' }), behind: null } })).detail).toContain(
      'without flag F',
    );
    expect(x86_64Elf(facts({ x86_64: { entry: qemu({ emulator: 'fex', linkage: 'dynamic' }), behind: null } })).detail).toContain(
      'FEX reserves',
    );
    expect(x86_64Elf(facts({ x86_64: null })).status).toBe('fail');
    expect(x86_64Elf(facts({ arch: 'x86_64', x86_64: null })).status).toBe('ok');
    expect(i386Elf(facts()).detail).toContain('below 4 GiB');
    expect(i386Elf(facts({ i386: { entry: qemu({ emulator: 'box64' }), behind: null } })).status).toBe('warn');
  });

  test('install: not installed warns; a changed file, blocked annotations or a lost registration fail', () => {
    const s = facts().status;
    expect(install(facts({ status: { ...s, installed: false } })).status).toBe('warn');
    expect(install(facts({ status: { ...s, files: [{ path: '/etc/vaoci/config.json', state: 'changed' }] } })).detail).toBe(
      '/etc/vaoci/config.json is changed since the install: run `vaoci node install` again',
    );
    expect(install(facts({ status: { ...s, annotations_reach: { ok: false, why: 'no handler' } } })).status).toBe('fail');
    const lost = install(
      facts({
        status: { ...s, binfmt: { entry: 'vaoci-qemu-x86_64', fronts: 'qemu-x86_64', registered: false, fronts_state: 'enabled' } },
      }),
    );
    expect(lost.status).toBe('fail');
    expect(lost.detail).toContain('binfmt_misc forgets at reboot');
    expect(runtime(facts({ runtimes: [] })).status).toBe('fail');
    expect(addressSpace(facts()).detail).toContain('need a window');
    expect(diagnose(facts()).map((c) => c.name)).toEqual([
      'address space',
      'x86-64 ELF',
      'i386 ELF',
      'install',
      'engine',
      'runtime',
      'version',
    ]);
  });

  test('engine: which, its version and who said it, the handler; missing handler fails once installed', () => {
    expect(engine(facts())).toEqual({
      name: 'engine',
      status: 'ok',
      detail:
        'containerd 1.6.20~ds1, /usr/bin/containerd: /etc/containerd/config.toml and its drop-ins define the runtime handler "vaoci", and the running containerd reports the runtime handler "vaoci" (CRI status at /run/containerd/containerd.sock, info.config)',
    });
    const e = facts().engine!;
    const recorded = engine(facts({ engine: { ...e, binary: null, version_from: 'install record' }, running: null }));
    expect(recorded.detail).toBe(
      'containerd 1.6.20~ds1 (as the install recorded it), its binary not found: /etc/containerd/config.toml and its drop-ins define the runtime handler "vaoci" (the running engine was not asked: no CRI socket here)',
    );
    // the files have it, the running engine not: the restart is owed
    const stale = engine(
      facts({
        running: {
          present: false,
          why: 'the running containerd has no runtime handler "vaoci" (it runs: runc) — restart it to load the drop-in',
        },
      }),
    );
    expect(stale).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /define the runtime handler "vaoci", but the running containerd has no runtime handler "vaoci" \(it runs: runc\) — restart it/,
      ),
    });
    const missing = {
      ...e,
      handler: { present: false, why: 'no runtime handler "vaoci" in /etc/containerd/config.toml or the drop-ins it imports' },
    };
    expect(engine(facts({ engine: missing })).status).toBe('fail');
    expect(engine(facts({ engine: missing, status: { ...facts().status, installed: false } })).status).toBe('warn');
    expect(engine(facts({ engine: null })).detail).toContain('neither containerd nor CRI-O');
    // mode nri: no handler to look for; the engine must serve NRI
    const nri = (ok: boolean, why: string) =>
      engine(facts({ engine: missing, running: null, status: { ...facts().status, mode: 'nri', annotations_reach: { ok, why } } }));
    expect(nri(true, 'the engine serves NRI at /var/run/nri/nri.sock')).toEqual({
      name: 'engine',
      status: 'ok',
      detail: 'containerd 1.6.20~ds1, /usr/bin/containerd: mode nri, the engine serves NRI at /var/run/nri/nri.sock',
    });
    expect(nri(false, 'no NRI socket at /var/run/nri/nri.sock')).toMatchObject({ status: 'fail' });
    expect(engine(facts({ engine: { ...e, engine: 'cri-o', version: null, version_from: null } })).detail).toMatch(
      /^cri-o version unknown, /,
    );
  });

  test('version: this vaoci and the one that installed; a difference warns', () => {
    expect(version(facts())).toEqual({ name: 'version', status: 'ok', detail: 'vaoci 0.0.0, as installed' });
    expect(version(facts({ version: { running: '0.2.0', installed: '0.1.0' } }))).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('but 0.1.0 installed this node'),
    });
    expect(version(facts({ version: { running: '0.2.0', installed: null } })).detail).toBe('vaoci 0.2.0');
  });

  test('the summary names the engine and who runs x86-64 and i386 ELF', () => {
    const entry = qemu({ entry: 'vaoci-qemu-x86_64', launcher: true });
    expect(summarize(facts({ x86_64: { entry, behind: null } }))).toEqual({
      vaoci_version: '0.0.0',
      installed_version: '0.0.0',
      engine: {
        name: 'containerd',
        version: '1.6.20~ds1',
        version_from: 'engine',
        binary: '/usr/bin/containerd',
        handler: true,
        running_handler: true,
      },
      emulator: { x86_64: 'vaoci-binfmt → qemu', i386: 'qemu' },
    });
    expect(summarize(facts({ arch: 'x86_64', x86_64: null, i386: null })).emulator).toEqual({ x86_64: 'native', i386: 'native' });
  });

  test('engine versions as the engines print them', () => {
    expect(parseVersion('containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1\n')).toBe('1.6.20~ds1');
    expect(parseVersion('containerd containerd.io 1.7.27 05044ec0a9a75232cad458027ca83437aae3f4da\n')).toBe('1.7.27');
    expect(parseVersion('containerd github.com/containerd/containerd/v2 v2.1.4 75cb2b7\n')).toBe('2.1.4');
    expect(parseVersion('crio version 1.28.1\nVersion:  1.28.1\nGitCommit: abc\n')).toBe('1.28.1');
    expect(parseVersion('INFO[0000] starting\nVersion:        1.30.4\n')).toBe('1.30.4');
    expect(parseVersion('nonsense\n')).toBeNull();
  });
});

describe('vaoci doctor on a node tree', () => {
  const work = tmpDir('doctor');
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  const reg = (interpreter: string) =>
    `enabled\ninterpreter ${interpreter}\nflags: F\noffset 0\nmagic 7f454c4602010100000000000000000002003e00\nmask fffffffffffefe00fffffffffffffffffeffffff\n`;

  test('reads binfmt_misc, the bundle and the install; fails (exit 1) while something fails, says which', async () => {
    const root = path.join(work, 'node');
    const dir = path.join(root, 'proc/sys/fs/binfmt_misc');
    fs.mkdirSync(dir, { recursive: true });
    const qemuFile = path.join(root, 'usr/bin/qemu-x86_64-static');
    writeExecutable(qemuFile, tinyElf({ bits: 64, machine: 183 }));
    const bundle = path.join(root, 'opt/vaoci/binfmt/qemu-x86_64/vaoci-binfmt');
    fs.mkdirSync(path.dirname(bundle), { recursive: true });
    fs.writeFileSync(
      bundle,
      buildBundle(
        fs.readFileSync(qemuFile),
        fs.readFileSync(qemuFile),
        launchConfigText({ emulator: '/usr/bin/qemu-x86_64-static', va_limit: 'x86_64' }),
      ),
    );
    fs.writeFileSync(path.join(dir, 'vaoci-qemu-x86_64'), reg('/opt/vaoci/binfmt/qemu-x86_64/vaoci-binfmt'));
    fs.writeFileSync(path.join(dir, 'qemu-x86_64'), reg('/usr/bin/qemu-x86_64-static').replace('enabled', 'disabled'));
    const r = await vaoci(['doctor', '--host-root', root, '--json']);
    expect(validate('cli-doctor', r.json)).toEqual([]);
    expect(r.exit).toBe(1); // no runc or crun in this tree
    const by = Object.fromEntries((r.json?.checks as Array<{ name: string; status: string; detail: string }>).map((c) => [c.name, c]));
    expect(by.runtime.status).toBe('fail');
    expect(by.install.status).toBe('warn'); // not installed
    // this machine is x86-64: the command reports x86-64 ELF as native; what it read is in the status's chain
    const st = await vaoci(['node', 'status', '--host-root', root, '--json']);
    expect(st.json?.x86_64).toEqual({
      entry: 'vaoci-qemu-x86_64',
      interpreter: '/opt/vaoci/binfmt/qemu-x86_64/vaoci-binfmt',
      flags: 'F',
      emulator: 'qemu',
      behind: { emulator: '/usr/bin/qemu-x86_64-static', va_limit: 'x86_64', from: 'bundle' },
    });
    fs.mkdirSync(path.join(root, 'usr/sbin'), { recursive: true });
    fs.writeFileSync(path.join(root, 'usr/sbin/runc'), '#!/bin/sh\n', { mode: 0o755 });
    const fixed = await vaoci(['doctor', '--host-root', root]);
    expect(fixed.exit).toBe(0);
    expect(fixed.stdout).toMatch(/^ {2}ok +runtime +\/usr\/sbin\/runc$/m);
    expect(fixed.stdout).toMatch(/^ {2}warn +engine +neither containerd nor CRI-O found/m);
    expect(fixed.stdout).toMatch(new RegExp(`^ {2}ok +version +vaoci ${vaociVersion().replace(/\./g, '\\.')}$`, 'm'));
  });
});

describe('bootFacts: the VA bits doctor needs, kept for this boot and this tool', () => {
  const work = tmpDir('doctor-boot');
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  // a copy of the real tool, so a test can replace it; a boot id of the test's own
  const setup = (name: string) => {
    const dir = path.join(work, name);
    fs.mkdirSync(path.join(dir, 'cache'), { recursive: true, mode: 0o700 });
    const tool = path.join(dir, 'vaoci-reserve');
    fs.copyFileSync(locateTool(), tool);
    fs.chmodSync(tool, 0o755);
    const boot = path.join(dir, 'boot_id');
    fs.writeFileSync(boot, `${name}-boot-1\n`);
    return { cache: path.join(dir, 'cache'), tool, boot };
  };
  const kept = (cache: string) => fs.readdirSync(cache).filter((f) => f.startsWith('probe-'));
  // rewrite every kept answer's VA bits: a later answer of 52 on this x86-64 machine came from the file, not the tool
  const forge = (cache: string, text: string) => {
    for (const f of kept(cache)) {
      const file = path.join(cache, f);
      const [key] = fs.readFileSync(file, 'utf8').split('\n');
      fs.writeFileSync(file, `${key}\n${text}`);
    }
  };
  const live = async (tool: string) => {
    const p = await probe({ tool });
    return { arch: p.arch, va_bits: p.va_bits };
  };

  test('the first run asks the tool and keeps its answer; the next one reads it', async () => {
    const { cache, tool, boot } = setup('first');
    const truth = await live(tool);
    expect(await bootFacts(cache, { tool }, boot)).toEqual(truth);
    expect(kept(cache)).toHaveLength(1);
    forge(cache, JSON.stringify({ arch: truth.arch, va_bits: 52 }));
    expect(await bootFacts(cache, { tool }, boot)).toEqual({ arch: truth.arch, va_bits: 52 });
  });

  test('another boot, or another tool binary, asks the tool again', async () => {
    const { cache, tool, boot } = setup('again');
    const truth = await live(tool);
    await bootFacts(cache, { tool }, boot);
    forge(cache, JSON.stringify({ arch: truth.arch, va_bits: 52 }));
    fs.writeFileSync(boot, 'again-boot-2\n');
    expect(await bootFacts(cache, { tool }, boot)).toEqual(truth);
    expect(kept(cache)).toHaveLength(2);
    forge(cache, JSON.stringify({ arch: truth.arch, va_bits: 52 }));
    fs.utimesSync(tool, new Date(2_000_000), new Date(2_000_000)); // a tool replaced in place
    expect(await bootFacts(cache, { tool }, boot)).toEqual(truth);
  });

  test('a kept file that is not such an answer is not used', async () => {
    const { cache, tool, boot } = setup('bad');
    const truth = await live(tool);
    for (const text of ['not json', '{"arch":"x86_64","va_bits":99}', '{"arch":"riscv64","va_bits":48}', '{"va_bits":48}']) {
      await bootFacts(cache, { tool }, boot);
      forge(cache, text);
      expect(await bootFacts(cache, { tool }, boot)).toEqual(truth);
    }
  });

  test('with no cache directory or no boot id, the tool runs and nothing is kept', async () => {
    const { cache, tool, boot } = setup('none');
    const truth = await live(tool);
    expect(await bootFacts(undefined, { tool }, boot)).toEqual(truth);
    expect(await bootFacts(cache, { tool }, path.join(work, 'no-such-boot-id'))).toEqual(truth);
    expect(kept(cache)).toEqual([]);
  });

  test('a tool that is not there fails as probe does', async () => {
    const { cache, boot } = setup('gone');
    await expect(bootFacts(cache, { tool: path.join(work, 'gone', 'missing') }, boot)).rejects.toThrow(/cannot run/);
  });
});
