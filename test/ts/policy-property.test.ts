/**
 * Property tests (fast-check) of the policy contract: for generated
 * annotations — the grammar's own words and windows, near misses, junk keys
 * and non-string values, per-container keys, on-error warn, the engines'
 * sandbox markers — and generated
 * detected facts, the TypeScript resolver never throws, every line it gives
 * has the `KEY: value … — expected …` shape, a policy it returns is valid
 * against schemas/policy.schema.json, and the C resolver
 * (build/<arch>/hook-tests/test_policy, fed the same cases as a vectors
 * directory) gives byte-identical answers.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { resolvePolicy } from '../../cli/src/lib/policy';
import type { Detected } from '../../cli/src/lib/policy';
import { validate } from '../../cli/src/lib/schema';
import { ARCH, ROOT } from './cli-helpers';
import { tmpDir } from './image-fixtures';

const KEYS = ['va-limit', 'guest-arch', 'emulator', 'on-error'];
const VALUES: Record<string, string[]> = {
  'va-limit': [
    'auto',
    'x86_64',
    'i386',
    'none',
    'x86-64',
    '0x10000-0x10000000000',
    '0x7f0000000000-0x100000000',
    '0x1000-0x1000',
    '0x1-0x2',
    'I386',
    '',
  ],
  'guest-arch': ['auto', 'x86_64', 'i386', 'native', 'arm64', ''],
  emulator: ['auto', 'fex', 'box64', 'qemu', 'preload', 'none', 'qemu-user', 'FEX'],
  'on-error': ['fail', 'warn', 'ignore', ''],
};

// The engines' sandbox markers (schemas/gen/cri-sandbox.json), with the words that are and are not a sandbox.
const SANDBOX_KEYS = ['io.kubernetes.cri.container-type', 'io.kubernetes.cri-o.ContainerType'];
const SANDBOX_VALUES = ['sandbox', 'container', 'Sandbox', ''];

const annotationKey = fc.oneof(
  fc.constantFrom(...KEYS).map((k) => `vaoci.io/${k}`),
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom('app', 'sidecar', 'App', 'a'.repeat(60))).map(([k, c]) => `vaoci.io/${k}.${c}`),
  fc.constantFrom('vaoci.io/va-limt', 'vaoci.io/', 'vaoci.io/va-limit.', 'example.com/x', 'io.kubernetes.cri.container-name'),
  fc.constantFrom(...SANDBOX_KEYS),
);
const annotationValue = (key: string) => {
  const k = KEYS.find((name) => key.startsWith(`vaoci.io/${name}`));
  const words = k ? VALUES[k] : SANDBOX_KEYS.includes(key) ? SANDBOX_VALUES : ['app'];
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...words) },
    { weight: 1, arbitrary: fc.string() },
    { weight: 1, arbitrary: fc.constantFrom(42, true, null) },
  );
};
const annotations = fc
  .uniqueArray(annotationKey, { maxLength: 5 })
  .chain((keys) => fc.tuple(...keys.map((k) => annotationValue(k).map((v) => [k, v] as const))))
  .map((pairs) => Object.fromEntries(pairs) as Record<string, unknown>);

const binfmt = fc.option(
  fc.record(
    {
      entry: fc.constant('qemu-x86_64'),
      emulator: fc.constantFrom('qemu', 'fex', 'box64', 'unknown'),
      interpreter: fc.constantFrom('/usr/bin/qemu-x86_64', '/usr/bin/FEXInterpreter', '/usr/local/bin/box64'),
      flags: fc.constantFrom('F', 'POCF', ''),
      linkage: fc.constantFrom('static', 'dynamic', 'unknown'),
      loader: fc.constant('/lib/ld-linux-aarch64.so.1'),
      launcher: fc.boolean(),
    },
    { requiredKeys: ['entry', 'emulator', 'interpreter', 'flags', 'linkage', 'loader'] },
  ),
  { nil: null },
);
const detected: fc.Arbitrary<Detected | undefined> = fc.option(
  fc.record({
    host_arch: fc.constantFrom('aarch64', 'x86_64'),
    entrypoint: fc.oneof(
      fc.record({
        path: fc.constant('/usr/bin/app'),
        arch: fc.constantFrom('x86_64', 'i386', 'aarch64'),
        linkage: fc.constantFrom('static', 'dynamic'),
      }),
      fc.constant({ error: '/app: not found in the rootfs' }),
    ),
    binfmt: fc.record({ x86_64: binfmt, i386: binfmt }),
  }) as fc.Arbitrary<Detected>,
  { nil: undefined },
);
const container = fc.constantFrom('app', 'sidecar', '');

const LINE = /^vaoci\.io\/[^:]*: (value .+|missing) — expected .+$/s;

test('the TypeScript resolver: never throws, lines in shape, policies valid; the C resolver agrees byte for byte', () => {
  const cases: Array<{ name: string; annotations: Record<string, unknown>; container: string; detected?: Detected; expect: unknown }> = [];
  fc.assert(
    fc.property(annotations, container, detected, (ann, name, det) => {
      const r = resolvePolicy({ annotations: ann, container: name, detected: det });
      if (r.ok) {
        const { reasons, ...policy } = r.policy;
        expect(validate('policy', r.policy)).toEqual([]);
        for (const w of policy.warnings) expect(w).toMatch(LINE);
        cases.push({
          name: `case ${cases.length}`,
          annotations: ann,
          container: name,
          ...(det ? { detected: det } : {}),
          expect: { policy },
        });
        return reasons !== undefined;
      }
      for (const e of r.errors) expect(e).toMatch(LINE);
      cases.push({
        name: `case ${cases.length}`,
        annotations: ann,
        container: name,
        ...(det ? { detected: det } : {}),
        expect: { errors: r.errors },
      });
      return r.errors.length > 0;
    }),
    { numRuns: 2000, seed: Number(process.env.VAOCI_PROPERTY_SEED ?? 20261125) },
  );
  const dir = tmpDir('property');
  try {
    fs.writeFileSync(path.join(dir, 'generated.json'), JSON.stringify({ description: 'fast-check cases', vectors: cases }));
    const c = spawnSync(path.join(ROOT, 'build', ARCH, 'hook-tests', 'test_policy'), [dir], { encoding: 'utf8', cwd: ROOT });
    const failures = c.stdout
      .split('\n')
      .filter((l) => l.startsWith('FAIL'))
      .slice(0, 3);
    expect(failures).toEqual([]);
    const passed = Number(/test_policy: (\d+) passed, 0 failed/.exec(c.stdout)?.[1] ?? -1);
    expect(passed).toBeGreaterThanOrEqual(cases.length); // every case, plus its own checks of the directory
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
