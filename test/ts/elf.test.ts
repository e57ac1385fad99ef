/**
 * guest-arch auto: ELF headers of real binaries (x86-64 /bin/true, aarch64
 * from the cross toolchain or build/aarch64, an i386 program assembled here)
 * and entrypoints found inside a temporary rootfs full of hostile symlinks.
 * The rootfs's /bin/true is aarch64 while the host's is x86-64, and every
 * path the resolver touches is recorded: nothing outside the rootfs is read.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detect, findEntrypoint, readElf, resolveInRoot, resolvePolicy, RootfsError, type RootIo } from '../../cli/src/lib/policy';
import { readerFor } from '../../cli/src/lib/policy/elf';
import { nodeIo } from '../../cli/src/lib/policy/rootfs';
import { buildI386, tinyElf, writeExecutable } from './fixtures/elf';

const ROOT = path.resolve(__dirname, '..', '..');
let tmp: string;
let rootfs: string;
let aarch64Static: string;
let aarch64Dynamic: string;
let i386: string;
let i386IsReal = false;
const touched: string[] = [];

/** recording wraps node:fs, logging every path the resolver asks about. */
const recording: RootIo = {
  ...nodeIo,
  lstat: (p) => (touched.push(p), nodeIo.lstat(p)),
  readlink: (p) => (touched.push(p), nodeIo.readlink(p)),
  open: (p) => (touched.push(p), nodeIo.open(p)),
};

/** elfOf reads a host file's ELF facts. */
function elfOf(file: string) {
  const fd = fs.openSync(file, 'r');
  try {
    return readElf(readerFor(fd, fs.readSync));
  } finally {
    fs.closeSync(fd);
  }
}

/** crossCompile builds a tiny aarch64 program (static or dynamic), or returns null without the cross compiler. */
function crossCompile(dir: string, isStatic: boolean): string | null {
  const src = path.join(dir, 'main.c');
  const out = path.join(dir, isStatic ? 'a64-static' : 'a64-dynamic');
  fs.writeFileSync(src, 'int main(void) { return 0; }\n');
  const r = spawnSync('aarch64-linux-gnu-gcc', [...(isStatic ? ['-static'] : []), '-o', out, src]);
  return r.status === 0 ? out : null;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaoci-elf-'));
  const built = path.join(ROOT, 'build', 'aarch64', 'vaoci-reserve');
  aarch64Static = fs.existsSync(built) ? built : (crossCompile(tmp, true) ?? path.join(tmp, 'a64s'));
  if (!fs.existsSync(aarch64Static)) writeExecutable(aarch64Static, tinyElf({ bits: 64, machine: 183 }));
  aarch64Dynamic = crossCompile(tmp, false) ?? path.join(tmp, 'a64d');
  if (!fs.existsSync(aarch64Dynamic))
    writeExecutable(aarch64Dynamic, tinyElf({ bits: 64, machine: 183, interp: '/lib/ld-linux-aarch64.so.1' }));
  const real32 = buildI386(tmp);
  i386IsReal = real32 !== null;
  i386 = real32 ?? path.join(tmp, 'i386-fixture');
  if (!real32) writeExecutable(i386, tinyElf({ bits: 32, machine: 3 }));

  rootfs = path.join(tmp, 'rootfs');
  const at = (p: string) => path.join(rootfs, p);
  writeExecutable(at('bin/true'), fs.readFileSync(aarch64Dynamic)); // host's /bin/true is x86-64
  writeExecutable(at('usr/local/bin/x86app'), fs.readFileSync('/bin/true'));
  writeExecutable(at('usr/local/sbin/x86app'), fs.readFileSync(aarch64Static));
  fs.chmodSync(at('usr/local/sbin/x86app'), 0o644); // not executable: PATH lookup must skip it
  writeExecutable(at('opt/i386/hello'), fs.readFileSync(i386));
  writeExecutable(at('opt/i386/dyn'), tinyElf({ bits: 32, machine: 3, interp: '/lib/ld-linux.so.2' }));
  writeExecutable(at('opt/riscv'), tinyElf({ bits: 64, machine: 243 }));
  writeExecutable(at('opt/x32'), tinyElf({ bits: 32, machine: 62 }));
  writeExecutable(at('opt/readme.txt'), 'not a program\n');
  fs.symlinkSync('/bin', at('usr/bin')); // absolute: must mean ROOTFS/bin, not the host's
  fs.mkdirSync(at('app'));
  fs.symlinkSync('../../../../../../../../bin/true', at('app/run')); // climbs "above" the rootfs
  fs.symlinkSync('/etc/passwd', at('app/passwd')); // exists on the host, not in the rootfs
  fs.symlinkSync('../../../../../../../../bin', at('sneaky')); // a directory component
  fs.symlinkSync('/sneaky/../usr/bin/../../bin/true', at('app/maze'));
  fs.mkdirSync(at('loop'));
  fs.symlinkSync('b', at('loop/a'));
  fs.symlinkSync('a', at('loop/b'));
  fs.symlinkSync('/self', at('self'));
  fs.symlinkSync('/usr/local/bin/x86app', at('bin/sh'));
  writeExecutable(at('entry.sh'), '#!/bin/sh -e\nexec "$@"\n');
  writeExecutable(at('env-entry'), '#!/usr/bin/env -S x86app --flag\n');
  writeExecutable(at('bin/env'), fs.readFileSync(aarch64Static)); // /usr/bin/env inside the rootfs (never write through its symlink)
  writeExecutable(at('deep.sh'), '#!/entry.sh\n');
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

afterEach(() => {
  for (const p of touched) expect(p.startsWith(`${rootfs}/`)).toBe(true);
  touched.length = 0;
});

describe('ELF headers of real binaries', () => {
  test('x86-64 /bin/true: 64-bit, e_machine 62, dynamic with its loader', () => {
    const elf = elfOf('/bin/true');
    expect(elf.arch).toBe('x86_64');
    expect(elf.linkage).toBe('dynamic');
    expect(elf.interp).toMatch(/^\/lib(64)?\/ld-linux-x86-64\.so\.2$/);
  });

  test('aarch64 static (build/aarch64 or the cross toolchain)', () => {
    expect(elfOf(aarch64Static)).toEqual({ arch: 'aarch64', linkage: 'static' });
  });

  test('aarch64 dynamic from the cross toolchain', () => {
    expect(elfOf(aarch64Dynamic)).toEqual({ arch: 'aarch64', linkage: 'dynamic', interp: '/lib/ld-linux-aarch64.so.1' });
  });

  test('i386 program (assembled with as --32 when binutils can)', () => {
    expect(elfOf(i386)).toEqual({ arch: 'i386', linkage: 'static' });
    if (i386IsReal) expect(spawnSync(i386).status).toBe(0); // a real program: it runs here
  });

  test('other machines, classes and non-ELF files are explained', () => {
    const read = (b: Buffer) => () => readElf((o, l) => b.subarray(o, o + l));
    expect(read(tinyElf({ bits: 64, machine: 243 }))).toThrow('ELF machine 243 (64-bit), not x86_64, i386 or aarch64');
    expect(read(tinyElf({ bits: 32, machine: 62 }))).toThrow('ELF machine 62 (32-bit)');
    expect(read(tinyElf({ bits: 64, machine: 183, bigEndian: true }))).toThrow('big-endian');
    expect(read(Buffer.from('#!/bin/sh\n'))).toThrow('not an ELF file');
    expect(read(Buffer.from('\x7fELF\x02\x01', 'latin1'))).toThrow('truncated ELF header');
  });
});

describe('paths resolved inside the rootfs', () => {
  const resolve = (p: string) => resolveInRoot(rootfs, p, recording);

  test('an absolute symlink stays in the rootfs', () => {
    expect(resolve('/usr/bin/true')).toBe('/bin/true');
  });

  test('../ chains stop at the rootfs root', () => {
    expect(resolve('/app/run')).toBe('/bin/true');
    expect(resolve('/../../../bin/true')).toBe('/bin/true');
  });

  test('a symlinked directory component climbing out lands inside', () => {
    expect(resolve('/sneaky/true')).toBe('/bin/true');
    expect(resolve('/app/maze')).toBe('/bin/true');
  });

  test('a symlink to /etc/passwd means ROOTFS/etc/passwd, which is not there', () => {
    expect(() => resolve('/app/passwd')).toThrow(new RootfsError('/app/passwd: not found in the rootfs'));
  });

  test('loops end with an error', () => {
    expect(() => resolve('/loop/a')).toThrow('/loop/a: too many levels of symbolic links');
    expect(() => resolve('/self/x')).toThrow('too many levels of symbolic links');
  });

  test('a file used as a directory', () => {
    expect(() => resolve('/entry.sh/x')).toThrow('/entry.sh/x: /entry.sh is not a directory');
  });
});

describe('the entrypoint of an OCI process', () => {
  const find = (args: string[], env?: string[]) => {
    const f = findEntrypoint(rootfs, { args, env }, recording);
    return { path: f.path, arch: f.elf.arch, linkage: f.elf.linkage };
  };

  test('a name through PATH and the /usr/bin symlink finds the rootfs /bin/true (aarch64, not the host x86-64)', () => {
    expect(find(['true'], ['PATH=/usr/bin'])).toEqual({ path: '/bin/true', arch: 'aarch64', linkage: 'dynamic' });
  });

  test('the default PATH skips a non-executable match', () => {
    expect(find(['x86app'])).toEqual({ path: '/usr/local/bin/x86app', arch: 'x86_64', linkage: 'dynamic' });
  });

  test('a hostile symlink as args[0]', () => {
    expect(find(['/app/run'])).toEqual({ path: '/bin/true', arch: 'aarch64', linkage: 'dynamic' });
  });

  test('i386, static and dynamic', () => {
    expect(find(['/opt/i386/hello'])).toEqual({ path: '/opt/i386/hello', arch: 'i386', linkage: 'static' });
    expect(find(['/opt/i386/dyn'])).toEqual({ path: '/opt/i386/dyn', arch: 'i386', linkage: 'dynamic' });
  });

  test('#! scripts are followed to their interpreter (also #!/usr/bin/env NAME, nested)', () => {
    expect(find(['/entry.sh'])).toEqual({ path: '/usr/local/bin/x86app', arch: 'x86_64', linkage: 'dynamic' });
    expect(find(['/env-entry'])).toEqual({ path: '/usr/local/bin/x86app', arch: 'x86_64', linkage: 'dynamic' });
    expect(find(['/deep.sh'])).toEqual({ path: '/usr/local/bin/x86app', arch: 'x86_64', linkage: 'dynamic' });
  });

  test('problems name the path and the reason', () => {
    expect(() => find(['nosuch'], ['PATH=/usr/bin:/bin'])).toThrow("nosuch: not found in the rootfs's PATH (/usr/bin:/bin)");
    expect(() => find(['/opt/riscv'])).toThrow('/opt/riscv: ELF machine 243 (64-bit), not x86_64, i386 or aarch64');
    expect(() => find(['/opt/x32'])).toThrow('/opt/x32: ELF machine 62 (32-bit)');
    expect(() => find(['/opt/readme.txt'])).toThrow('/opt/readme.txt: not an ELF file');
    expect(() => find(['/usr'])).toThrow('/usr: not a regular file');
    expect(() => find([])).toThrow('process.args is empty');
  });
});

describe('detect + resolve on a bundle', () => {
  test('an x86-64 entrypoint under a static qemu registered with F', () => {
    const bundle = path.join(tmp, 'bundle');
    const binfmt = path.join(tmp, 'binfmt');
    fs.mkdirSync(bundle);
    fs.mkdirSync(binfmt);
    fs.writeFileSync(
      path.join(bundle, 'config.json'),
      JSON.stringify({ root: { path: rootfs }, process: { args: ['x86app'], env: ['PATH=/usr/local/bin'] } }),
    );
    const qemu = path.join(tmp, 'qemu-x86_64-static');
    writeExecutable(qemu, tinyElf({ bits: 64, machine: 183 }));
    fs.writeFileSync(path.join(binfmt, 'status'), 'enabled\n');
    fs.writeFileSync(
      path.join(binfmt, 'qemu-x86_64'),
      `enabled\ninterpreter ${qemu}\nflags: POCF\noffset 0\nmagic 7f454c4602010100000000000000000002003e00\nmask fffffffffffefe00fffffffffffffffffeffffff\n`,
    );

    const detected = detect({ bundle, binfmtDir: binfmt, hostArch: 'aarch64', rootIo: recording });
    expect(detected).toEqual({
      host_arch: 'aarch64',
      entrypoint: { path: '/usr/local/bin/x86app', arch: 'x86_64', linkage: 'dynamic' },
      binfmt: { x86_64: { entry: 'qemu-x86_64', emulator: 'qemu', interpreter: qemu, flags: 'POCF', linkage: 'static' }, i386: null },
    });
    const r = resolvePolicy({ annotations: {}, container: 'app', detected });
    // LD_PRELOAD cannot reach a static qemu, and its QEMU_RESERVED_VA fails for x86-64 guests: vaoci-launch starts it.
    expect(r.ok && r.policy.injection).toEqual({
      method: 'launch',
      env: { VAOCI_VA_LIMIT: 'x86_64', VAOCI_ON_ERROR: 'fail' },
      mounts: ['/opt/vaoci/bin/vaoci-launch', qemu],
      args: ['/opt/vaoci/bin/vaoci-launch', '--binfmt-flags=POCF', '--', qemu],
    });
  });
});
