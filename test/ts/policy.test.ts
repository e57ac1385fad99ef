/**
 * The policy contract, TypeScript side: every shared vector in schemas/vectors/
 * resolves to exactly its expected policy or error lines (the C resolver is
 * held to the same vectors by build/<arch>/hook-tests/test_policy), the
 * generated grammar tables are fresh, and the schemas agree with the vectors.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolvePolicy } from '../../cli/src/lib/policy';
import type { Detected, NodeConfig } from '../../cli/src/lib/policy';
import { validate } from '../../cli/src/lib/schema';

const ROOT = path.resolve(__dirname, '..', '..');
const VECTORS = path.join(ROOT, 'schemas', 'vectors');

interface Vector {
  name: string;
  annotations: Record<string, unknown>;
  node_config?: NodeConfig;
  container: string;
  detected?: Detected;
  expect: { policy: Record<string, unknown> } | { errors: string[] };
  reasons?: Record<string, string>;
}

/** loadVectors reads every schemas/vectors/*.json, tagging each vector with its file. */
function loadVectors(): Array<[string, Vector]> {
  const out: Array<[string, Vector]> = [];
  for (const file of fs
    .readdirSync(VECTORS)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const doc = JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8')) as { vectors: Vector[] };
    for (const v of doc.vectors) out.push([`${file}: ${v.name}`, v]);
  }
  return out;
}

const vectors = loadVectors();

describe('shared vectors (schemas/vectors) through the TypeScript resolver', () => {
  test.each(vectors)('%s', (_, v) => {
    const r = resolvePolicy({ annotations: v.annotations, nodeConfig: v.node_config, container: v.container, detected: v.detected });
    if ('errors' in v.expect) {
      expect(r).toEqual({ ok: false, errors: v.expect.errors });
      return;
    }
    if (!r.ok) throw new Error(`expected a policy, got:\n${r.errors.join('\n')}`);
    const { reasons, ...policy } = r.policy;
    expect(policy).toEqual(v.expect.policy);
    expect(validate('policy', r.policy)).toEqual([]);
    for (const [field, text] of Object.entries(v.reasons ?? {})) {
      expect(reasons[field as keyof typeof reasons]).toContain(text);
    }
  });
});

describe('the vectors themselves', () => {
  test('at least 60 vectors, at least a third invalid, unique names', () => {
    const invalid = vectors.filter(([, v]) => 'errors' in v.expect).length;
    expect(vectors.length).toBeGreaterThanOrEqual(60);
    expect(invalid * 3).toBeGreaterThanOrEqual(vectors.length);
    expect(new Set(vectors.map(([, v]) => v.name)).size).toBe(vectors.length);
  });

  test('each kind of error line is covered', () => {
    const lines = vectors.flatMap(([, v]) => ('errors' in v.expect ? v.expect.errors : []));
    for (const needle of [
      'did you mean',
      'a known key',
      'DNS-1123',
      '63 characters',
      'LOWER != UPPER',
      'a string',
      'detectable entrypoint',
      'binfmt_misc entry',
      'never reserves twice',
      'QEMU_RESERVED_VA',
      '/defaults/',
    ]) {
      expect(lines.some((l) => l.includes(needle))).toBe(true);
    }
  });

  test('every line has the shape KEY: value "VALUE" — expected WHAT, on one line', () => {
    const lines = vectors.flatMap(([, v]) =>
      'errors' in v.expect ? v.expect.errors : 'policy' in v.expect ? (v.expect.policy.warnings as string[]) : [],
    );
    for (const l of lines) expect(l).toMatch(/^[^\n]+: value ("([^"\\]|\\.)*"|of type [a-z]+) — expected [^\n]+$/);
  });

  test.each(vectors.filter(([, v]) => 'policy' in v.expect))('accepted by the schemas: %s', (_, v) => {
    const policy = (v.expect as { policy: { warnings: string[]; sources: { va_limit: { source: string } } } }).policy;
    // A sandbox is never checked: its vectors carry bad annotations and node configs on purpose.
    const sandbox = policy.sources.va_limit.source === 'sandbox';
    if (policy.warnings.length === 0 && !sandbox) expect(validate('annotations', v.annotations)).toEqual([]);
    if (v.node_config && !sandbox) expect(validate('node-config', v.node_config)).toEqual([]);
    if (v.detected) expect(validate('https://vaoci.io/schemas/policy.schema.json#/$defs/detected', v.detected)).toEqual([]);
  });
});

describe('generated grammar tables', () => {
  test('hook/policy/policy_gen.h and cli/src/lib/policy/grammar.gen.ts are fresh', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'schemas/gen/policy-gen.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
