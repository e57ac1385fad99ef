/**
 * `vaoci doctor`: each verdict from written facts (the checks are pure), and
 * the command itself on a node tree (--host-root) with real ELF interpreters
 * (tiny aarch64 headers) and a real bundle. What is not real here: this
 * x86-64 machine is not an arm64 node, so the command's own run reports an
 * x86-64 address space; the arm64 verdicts are the fact-driven ones.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildBundle, launchConfigText } from '../../cli/src/lib/bundle';
import { type DoctorFacts, diagnose, x86_64Elf, i386Elf, install, addressSpace, runtime } from '../../cli/src/lib/doctor/checks';
import { validate } from '../../cli/src/lib/schema';
import type { BinfmtEntry } from '../../cli/src/lib/policy/types';
import { vaoci } from './cli-helpers';
import { tmpDir } from './image-fixtures';
import { tinyElf, writeExecutable } from './fixtures/elf';

const qemu = (o: Partial<BinfmtEntry> = {}): BinfmtEntry => ({ entry: 'qemu-x86_64', emulator: 'qemu', interpreter: '/usr/bin/qemu-x86_64-static', flags: 'F', linkage: 'static', ...o });
const facts = (o: Partial<DoctorFacts> = {}): DoctorFacts => ({
  arch: 'aarch64',
  vaBits: 48,
  x86_64: { entry: qemu(), behind: null },
  i386: { entry: qemu({ entry: 'qemu-i386', interpreter: '/usr/bin/qemu-i386-static' }), behind: null },
  status: { installed: true, prefix: '/opt/vaoci', files: [{ path: '/opt/vaoci/bin/vaoci-runtime', state: 'ok' }], annotations_reach: { ok: true, why: 'ok' }, binfmt: null },
  runtimes: ['/usr/bin/runc'],
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
    const c = x86_64Elf(facts({ x86_64: { entry, behind: { emulator: '/usr/bin/qemu-x86_64-static', va_limit: 'x86_64', from: 'bundle' } } }));
    expect(c).toEqual({
      name: 'x86-64 ELF',
      status: 'ok',
      detail: 'vaoci-qemu-x86_64: vaoci-binfmt (/opt/vaoci/binfmt/qemu-x86_64/vaoci-binfmt, flags F) in front of /usr/bin/qemu-x86_64-static, carried in its bundle; it reserves x86_64 (or the container\'s VAOCI_VA_LIMIT) in every x86-64 process',
    });
    expect(x86_64Elf(facts({ x86_64: { entry, behind: { emulator: null, va_limit: null, from: 'launch.conf' } } })).status).toBe('fail');
  });

  test('dynamic qemu: ok with F, warn without; FEX ok; none fails on arm64, native on x86-64', () => {
    expect(x86_64Elf(facts({ x86_64: { entry: qemu({ linkage: 'dynamic' }), behind: null } })).status).toBe('ok');
    expect(x86_64Elf(facts({ x86_64: { entry: qemu({ linkage: 'dynamic', flags: '' }), behind: null } })).detail).toContain('without flag F');
    expect(x86_64Elf(facts({ x86_64: { entry: qemu({ emulator: 'fex', linkage: 'dynamic' }), behind: null } })).detail).toContain('FEX reserves');
    expect(x86_64Elf(facts({ x86_64: null })).status).toBe('fail');
    expect(x86_64Elf(facts({ arch: 'x86_64', x86_64: null })).status).toBe('ok');
    expect(i386Elf(facts()).detail).toContain('below 4 GiB');
    expect(i386Elf(facts({ i386: { entry: qemu({ emulator: 'box64' }), behind: null } })).status).toBe('warn');
  });

  test('install: not installed warns; a changed file, blocked annotations or a lost registration fail', () => {
    const s = facts().status;
    expect(install(facts({ status: { ...s, installed: false } })).status).toBe('warn');
    expect(install(facts({ status: { ...s, files: [{ path: '/etc/vaoci/config.json', state: 'changed' }] } })).detail).toBe('/etc/vaoci/config.json is changed since the install: run `vaoci node install` again');
    expect(install(facts({ status: { ...s, annotations_reach: { ok: false, why: 'no handler' } } })).status).toBe('fail');
    const lost = install(facts({ status: { ...s, binfmt: { entry: 'vaoci-qemu-x86_64', fronts: 'qemu-x86_64', registered: false, fronts_state: 'enabled' } } }));
    expect(lost.status).toBe('fail');
    expect(lost.detail).toContain('binfmt_misc forgets at reboot');
    expect(runtime(facts({ runtimes: [] })).status).toBe('fail');
    expect(addressSpace(facts()).detail).toContain('need a window');
    expect(diagnose(facts()).map((c) => c.name)).toEqual(['address space', 'x86-64 ELF', 'i386 ELF', 'install', 'runtime']);
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
    fs.writeFileSync(bundle, buildBundle(fs.readFileSync(qemuFile), fs.readFileSync(qemuFile), launchConfigText({ emulator: '/usr/bin/qemu-x86_64-static', va_limit: 'x86_64' })));
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
    expect(st.json?.x86_64).toEqual({ entry: 'vaoci-qemu-x86_64', interpreter: '/opt/vaoci/binfmt/qemu-x86_64/vaoci-binfmt', flags: 'F', emulator: 'qemu', behind: { emulator: '/usr/bin/qemu-x86_64-static', va_limit: 'x86_64', from: 'bundle' } });
    fs.mkdirSync(path.join(root, 'usr/sbin'), { recursive: true });
    fs.writeFileSync(path.join(root, 'usr/sbin/runc'), '#!/bin/sh\n', { mode: 0o755 });
    const fixed = await vaoci(['doctor', '--host-root', root]);
    expect(fixed.exit).toBe(0);
    expect(fixed.stdout).toMatch(/^ {2}ok {3}runtime +\/usr\/sbin\/runc$/m);
  });
});
