/**
 * The shared formats, TypeScript side: every vector in schemas/vectors/formats/
 * through the TypeScript parsers — ELF facts (policy/elf.ts), binfmt_misc
 * registrations (policy/binfmt.ts), window texts (policy/window.ts),
 * launch.conf (launch-conf.ts) — must give exactly its expected result, as
 * the C parsers do in hook/tests/test_formats.c (make test-native).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LaunchConfError, launchConfEmulator, parseLaunchConf } from '../../cli/src/lib/launch-conf';
import { handles, parseRegistration } from '../../cli/src/lib/policy/binfmt';
import { ElfError, readElf } from '../../cli/src/lib/policy/elf';
import { parseWindow, windowJson } from '../../cli/src/lib/policy/window';
import { ELF_JSON, elfVectors } from './fixtures/elf-vectors';

const DIR = path.resolve(__dirname, '../../schemas/vectors/formats');

interface Vector {
  name: string;
  hex?: string;
  text?: string;
  expect: unknown;
}

function vectors(file: string): Vector[] {
  const doc = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as { vectors: Vector[] };
  return doc.vectors;
}

/** errorStart is the line cut to the expected one's length: a vector names the start of the line. */
function errorStart(e: unknown, expect: unknown): { error: string } {
  const want = (expect as { error?: string }).error ?? '';
  const line = (e as Error).message;
  return { error: want.length < line.length ? line.slice(0, want.length) : line };
}

function elfFacts(v: Vector): unknown {
  const bytes = Buffer.from(v.hex ?? '', 'hex');
  try {
    const f = readElf((offset, length) => bytes.subarray(offset, offset + length));
    return f.linkage === 'dynamic' ? { arch: f.arch, linkage: f.linkage, interp: f.interp } : { arch: f.arch, linkage: f.linkage };
  } catch (e) {
    if (!(e instanceof ElfError)) throw e;
    return errorStart(e, v.expect);
  }
}

function registration(v: Vector): unknown {
  const r = parseRegistration('entry', v.text ?? '');
  if (!r) return null;
  const magic = r.magic && r.extension === undefined ? r.magic : undefined;
  // The effective mask over the magic: missing bytes (or no mask) count whole.
  const mask = magic && Buffer.from([...magic].map((_, i) => (r.mask ? (r.mask[i] ?? 0xff) : 0xff)));
  return {
    enabled: r.enabled,
    interpreter: r.interpreter,
    flags: r.flags,
    offset: r.offset,
    magic: magic ? magic.toString('hex') : null,
    mask: mask ? mask.toString('hex') : null,
    handles: { x86_64: handles(r, 'x86_64'), i386: handles(r, 'i386') },
  };
}

function windowOf(v: Vector): unknown {
  const w = parseWindow(v.text ?? '');
  return typeof w === 'string' ? 'invalid' : windowJson(w);
}

function launchConf(v: Vector): unknown {
  try {
    return parseLaunchConf(v.text ?? '');
  } catch (e) {
    if (!(e instanceof LaunchConfError)) throw e;
    return errorStart(e, v.expect);
  }
}

const FORMATS: Array<[string, (v: Vector) => unknown]> = [
  ['elf.json', elfFacts],
  ['binfmt.json', registration],
  ['window.json', windowOf],
  ['launch-conf.json', launchConf],
];

describe.each(FORMATS)('%s', (file, read) => {
  const all = vectors(file);
  it('has vectors', () => expect(all.length).toBeGreaterThan(0));
  it.each(all.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    expect(read(v)).toEqual(v.expect);
  });
});

describe('elf.json is what test/ts/fixtures/elf-vectors.ts writes', () => {
  it('has not been edited by hand or left behind a changed case', () => {
    expect(JSON.parse(fs.readFileSync(ELF_JSON, 'utf8'))).toEqual(elfVectors());
  });
});

describe('detection takes the emulator only from a launch.conf the launcher accepts', () => {
  it('a valid file names it; a refused one names none', () => {
    expect(launchConfEmulator('emulator = /usr/bin/qemu-x86_64-static\n')).toBe('/usr/bin/qemu-x86_64-static');
    expect(launchConfEmulator('emulator = /usr/bin/qemu-x86_64-static\nva_limit = i386\n')).toBe('');
  });
});
