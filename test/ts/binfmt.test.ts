/**
 * emulator auto: binfmt_misc registration files in the kernel's format
 * (qemu with flag F, FEX, box64, Rosetta, disabled and extension entries,
 * i386 vs x86-64 magic), matched against ELF headers and named.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBundle, launchConfigText, readBundleFile } from '../../cli/src/lib/bundle';
import { detectBinfmt, elfHeader, emulatorName, handles, matches, parseRegistration, readRegistrations } from '../../cli/src/lib/policy';
import { tinyElf, writeExecutable } from './fixtures/elf';

/** The masks qemu's qemu-binfmt-conf.sh registers x86-64 and i386 with. */
const X86_64_MAGIC = '7f454c4602010100000000000000000002003e00';
const I386_MAGIC = '7f454c4601010100000000000000000002000300';
const QEMU_MASK = 'fffffffffffefe00fffffffffffffffffeffffff';
/** FEX ignores EI_OSABI and EI_ABIVERSION and the padding. */
const FEX_MASK = 'fffffffffffefe00000000000000fffffeffffff';

/** registration writes the kernel's text for one entry. */
function registration(o: {
  enabled?: boolean;
  interpreter: string;
  flags?: string;
  magic?: string;
  mask?: string;
  offset?: number;
  extension?: string;
}): string {
  const lines = [o.enabled === false ? 'disabled' : 'enabled', `interpreter ${o.interpreter}`, `flags: ${o.flags ?? ''}`];
  if (o.extension) lines.push(`extension .${o.extension}`);
  else {
    lines.push(`offset ${o.offset ?? 0}`, `magic ${o.magic}`);
    if (o.mask) lines.push(`mask ${o.mask}`);
  }
  return `${lines.join('\n')}\n`;
}

let tmp: string;
let interpreters: Record<string, string>;

/** binfmtDir writes a directory of registrations (plus status and register, as the kernel has). */
function binfmtDir(name: string, entries: Record<string, string>, status = 'enabled'): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'status'), `${status}\n`);
  fs.writeFileSync(path.join(dir, 'register'), '');
  for (const [n, text] of Object.entries(entries)) fs.writeFileSync(path.join(dir, n), text);
  return dir;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaoci-binfmt-'));
  const aarch64 = (name: string, interp?: string) => {
    const file = path.join(tmp, 'bin', name);
    writeExecutable(file, tinyElf({ bits: 64, machine: 183, interp }));
    return file;
  };
  interpreters = {
    qemuStatic: aarch64('qemu-x86_64-static'),
    qemuI386: aarch64('qemu-i386-static'),
    qemuDynamic: aarch64('qemu-x86_64', '/lib/ld-linux-aarch64.so.1'),
    fex: aarch64('FEXInterpreter', '/lib/ld-linux-aarch64.so.1'),
    box64: aarch64('box64', '/lib/ld-linux-aarch64.so.1'),
  };
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('registration files', () => {
  test('parse every line of the kernel format', () => {
    const text = registration({ interpreter: '/usr/bin/qemu-x86_64-static', flags: 'POCF', magic: X86_64_MAGIC, mask: QEMU_MASK });
    expect(parseRegistration('qemu-x86_64', text)).toEqual({
      name: 'qemu-x86_64',
      enabled: true,
      interpreter: '/usr/bin/qemu-x86_64-static',
      flags: 'POCF',
      offset: 0,
      magic: Buffer.from(X86_64_MAGIC, 'hex'),
      mask: Buffer.from(QEMU_MASK, 'hex'),
    });
  });

  test('disabled, no flags, extension entries', () => {
    const off = parseRegistration('off', registration({ enabled: false, interpreter: '/x', magic: X86_64_MAGIC }));
    expect(off).toMatchObject({ enabled: false, flags: '' });
    expect(off?.mask).toBeUndefined();
    const py = parseRegistration('py', registration({ interpreter: '/usr/bin/python3', extension: 'py' }));
    expect(py).toMatchObject({ extension: '.py' });
    expect(py?.magic).toBeUndefined();
  });

  test('status, register and junk are not registrations', () => {
    expect(parseRegistration('status', 'enabled\n')).toBeNull();
    expect(parseRegistration('register', '')).toBeNull();
    expect(parseRegistration('junk', 'hello\n')).toBeNull();
  });
});

describe('magic and mask against ELF headers', () => {
  const qemu64 = parseRegistration('q', registration({ interpreter: '/q', magic: X86_64_MAGIC, mask: QEMU_MASK }))!;
  const qemu32 = parseRegistration('q', registration({ interpreter: '/q', magic: I386_MAGIC, mask: QEMU_MASK }))!;
  const fex64 = parseRegistration('f', registration({ interpreter: '/f', magic: X86_64_MAGIC, mask: FEX_MASK }))!;

  test('x86-64 magic matches x86-64 executables and PIEs, not i386', () => {
    expect(matches(qemu64, elfHeader('x86_64', 'exec'))).toBe(true);
    expect(matches(qemu64, elfHeader('x86_64', 'dyn'))).toBe(true);
    expect(handles(qemu64, 'i386')).toBe(false);
    expect(handles(fex64, 'x86_64')).toBe(true);
  });

  test('i386 magic matches i386, not x86-64', () => {
    expect(handles(qemu32, 'i386')).toBe(true);
    expect(handles(qemu32, 'x86_64')).toBe(false);
  });

  test('the real /bin/true header matches the x86-64 magic', () => {
    const head = fs.readFileSync('/bin/true').subarray(0, 64);
    expect(matches(qemu64, head)).toBe(true);
    expect(matches(qemu32, head)).toBe(false);
  });

  test('without a mask every magic byte counts; an offset shifts the comparison', () => {
    const exact = parseRegistration('e', registration({ interpreter: '/e', magic: '7f454c4602' }))!;
    expect(handles(exact, 'x86_64')).toBe(true);
    expect(handles(exact, 'i386')).toBe(false);
    const atMachine = parseRegistration('m', registration({ interpreter: '/m', offset: 18, magic: '0300' }))!;
    expect(handles(atMachine, 'i386')).toBe(true);
    expect(handles(atMachine, 'x86_64')).toBe(false);
  });
});

describe('naming the interpreter', () => {
  test.each([
    ['/usr/bin/FEXInterpreter', 'fex'],
    ['/opt/fex/bin/FEXLoader', 'fex'],
    ['/usr/libexec/qemu-binfmt/x86_64-binfmt-P', 'qemu'],
    ['/usr/bin/qemu-x86_64-static', 'qemu'],
    ['/usr/local/bin/box64', 'box64'],
    ['/mnt/lima-rosetta/rosetta', 'rosetta'],
    ['/media/rosetta/rosetta', 'rosetta'],
    ['/usr/bin/blink', 'unknown'],
  ])('%s is %s', (interpreter, name) => {
    expect(emulatorName(interpreter)).toBe(name);
  });
});

describe('detectBinfmt on a directory', () => {
  test('static qemu with F for x86-64 and i386', () => {
    const dir = binfmtDir('qemu', {
      'qemu-x86_64': registration({ interpreter: interpreters.qemuStatic, flags: 'POCF', magic: X86_64_MAGIC, mask: QEMU_MASK }),
      'qemu-i386': registration({ interpreter: interpreters.qemuI386, flags: 'POCF', magic: I386_MAGIC, mask: QEMU_MASK }),
    });
    expect(detectBinfmt(dir)).toEqual({
      x86_64: { entry: 'qemu-x86_64', emulator: 'qemu', interpreter: interpreters.qemuStatic, flags: 'POCF', linkage: 'static' },
      i386: { entry: 'qemu-i386', emulator: 'qemu', interpreter: interpreters.qemuI386, flags: 'POCF', linkage: 'static' },
    });
  });

  test('vaoci-binfmt in front of static qemu: named after the emulator its bundle carries, marked launcher', () => {
    const bundle = path.join(tmp, 'bundle', 'vaoci-binfmt');
    fs.mkdirSync(path.dirname(bundle));
    const launcher = fs.readFileSync(interpreters.qemuStatic); // any bytes stand for vaoci-launch here
    fs.writeFileSync(
      bundle,
      buildBundle(
        launcher,
        fs.readFileSync(interpreters.qemuStatic),
        launchConfigText({ emulator: '/usr/bin/qemu-x86_64-static', va_limit: 'x86_64' }),
      ),
    );
    const plain = path.join(tmp, 'plain', 'vaoci-binfmt');
    fs.mkdirSync(path.dirname(plain));
    fs.writeFileSync(plain, launcher);
    const dir = binfmtDir('launcher', {
      'vaoci-qemu-x86_64': registration({ interpreter: bundle, flags: 'POCF', magic: X86_64_MAGIC, mask: QEMU_MASK }),
      'qemu-x86_64': registration({
        enabled: false,
        interpreter: interpreters.qemuStatic,
        flags: 'POCF',
        magic: X86_64_MAGIC,
        mask: QEMU_MASK,
      }),
      'x-i386': registration({ interpreter: plain, flags: 'F', magic: I386_MAGIC, mask: QEMU_MASK }),
    });
    expect(readBundleFile(bundle)?.config).toEqual({ emulator: '/usr/bin/qemu-x86_64-static', 'va-limit': 'x86_64' });
    expect(detectBinfmt(dir)).toEqual({
      x86_64: { entry: 'vaoci-qemu-x86_64', emulator: 'qemu', interpreter: bundle, flags: 'POCF', linkage: 'static', launcher: true },
      // a plain vaoci-binfmt (no bundle) names its emulator in the node's /etc/vaoci/launch.conf, absent here
      i386: { entry: 'x-i386', emulator: 'unknown', interpreter: plain, flags: 'F', linkage: 'static', launcher: true },
    });
    fs.truncateSync(bundle, fs.statSync(bundle).size - 1); // the trailer cut: no longer a bundle
    expect(readBundleFile(bundle)).toBeNull();
  });

  test('dynamic FEX: its loader is reported', () => {
    const dir = binfmtDir('fex', {
      'FEX-x86_64': registration({ interpreter: interpreters.fex, flags: 'POCF', magic: X86_64_MAGIC, mask: FEX_MASK }),
    });
    expect(detectBinfmt(dir)).toEqual({
      x86_64: {
        entry: 'FEX-x86_64',
        emulator: 'fex',
        interpreter: interpreters.fex,
        flags: 'POCF',
        linkage: 'dynamic',
        loader: '/lib/ld-linux-aarch64.so.1',
      },
      i386: null,
    });
  });

  test('a disabled entry is skipped for the next enabled one; order is by name', () => {
    const dir = binfmtDir('mixed', {
      'a-qemu': registration({ enabled: false, interpreter: interpreters.qemuDynamic, flags: 'F', magic: X86_64_MAGIC, mask: QEMU_MASK }),
      'b-box64': registration({ interpreter: interpreters.box64, magic: X86_64_MAGIC, mask: QEMU_MASK }),
      'c-fex': registration({ interpreter: interpreters.fex, flags: 'F', magic: X86_64_MAGIC, mask: FEX_MASK }),
      python: registration({ interpreter: '/usr/bin/python3', extension: 'py' }),
    });
    expect(detectBinfmt(dir).x86_64).toEqual({
      entry: 'b-box64',
      emulator: 'box64',
      interpreter: interpreters.box64,
      flags: '',
      linkage: 'dynamic',
      loader: '/lib/ld-linux-aarch64.so.1',
    });
    expect(readRegistrations(dir).map((r) => r.name)).toEqual(['a-qemu', 'b-box64', 'c-fex', 'python']);
  });

  test('binfmt_misc disabled as a whole: nothing', () => {
    const dir = binfmtDir(
      'off',
      { 'qemu-x86_64': registration({ interpreter: interpreters.qemuStatic, flags: 'F', magic: X86_64_MAGIC, mask: QEMU_MASK }) },
      'disabled',
    );
    expect(detectBinfmt(dir)).toEqual({ x86_64: null, i386: null });
  });

  test('an interpreter that cannot be read has unknown linkage (Rosetta outside its VM)', () => {
    const dir = binfmtDir('rosetta', {
      rosetta: registration({ interpreter: '/mnt/lima-rosetta/rosetta', flags: 'CF', magic: X86_64_MAGIC, mask: QEMU_MASK }),
    });
    expect(detectBinfmt(dir).x86_64).toEqual({
      entry: 'rosetta',
      emulator: 'rosetta',
      interpreter: '/mnt/lima-rosetta/rosetta',
      flags: 'CF',
      linkage: 'unknown',
    });
  });

  test('no binfmt_misc directory: nothing', () => {
    expect(detectBinfmt(path.join(tmp, 'nope'))).toEqual({ x86_64: null, i386: null });
  });
});
