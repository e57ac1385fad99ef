/**
 * The CLI's start-up (cli/src/lib/startup/, bin/vaoci): the precompiled
 * schema validators say what Ajv compiling the schemas says, and are used
 * only while no schema is newer; dispatch() builds the root plugin oclif
 * would, is taken only where it may be, and prints, exits and fails exactly
 * as oclif's plain path (VAOCI_STARTUP=oclif); the compile cache lives only
 * in a directory of its user's own.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { Plugin, type Interfaces } from '@oclif/core';
import type { ValidateFunction } from 'ajv/dist/2020';
import { compileCacheDir, safeCacheDir } from '../../cli/src/lib/startup/compile-cache';
import { STARTUP_ENV, type Manifest, fastPackage, manifestPlugin } from '../../cli/src/lib/startup/dispatch';
import { INDEX, schemaSources, writeValidators } from '../../cli/src/lib/startup/validators';
import { findSchemaDir, precompiledNames, problemLines, schemaNames, validate } from '../../cli/src/lib/schema';
import { ROOT, type Json } from './cli-helpers';

const load = createRequire(__filename);
const PJSON = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Interfaces.PJSON;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaoci-startup-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** variants are a document and the ways to break it: every key missing, of another type, and one key too many. */
function variants(doc: unknown): unknown[] {
  const out: unknown[] = [doc, null, [], 'text', {}];
  const walk = (node: unknown, edit: (f: (n: Json) => void) => void, depth: number): void => {
    if (!node || typeof node !== 'object' || Array.isArray(node) || depth > 2) return;
    for (const key of Object.keys(node)) {
      edit((n) => delete n[key]);
      edit((n) => (n[key] = key.length % 2 ? 12345 : 'zz'));
      walk((node as Json)[key], (f) => edit((n) => f(n[key] as Json)), depth + 1);
    }
    edit((n) => (n.zz_unknown = true));
  };
  walk(
    doc,
    (f) => {
      const copy = JSON.parse(JSON.stringify(doc)) as Json;
      f(copy);
      out.push(copy);
    },
    0,
  );
  return out;
}

/** documents are real documents per schema: the shared vectors' annotations, node configs and resolved policies. */
function documents(): Record<string, unknown[]> {
  const dir = path.join(findSchemaDir(), 'vectors');
  const docs: Record<string, unknown[]> = { annotations: [], 'node-config': [], policy: [] };
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    for (const v of (JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { vectors?: Json[] }).vectors ?? []) {
      if (v.annotations) docs.annotations.push(v.annotations);
      if (v.nodeConfig) docs['node-config'].push(v.nodeConfig);
      if (v.expect?.policy) docs.policy.push(v.expect.policy);
    }
  }
  return docs;
}

describe('precompiled validators (make cli: startup/validators.ts)', () => {
  let out: string;
  beforeAll(() => {
    // inside the repository, where the modules find ajv's runtime in node_modules
    out = path.join(fs.mkdtempSync(path.join(ROOT, 'build', 'startup-test-')), 'validators');
    writeValidators(out);
  });
  afterAll(() => fs.rmSync(path.dirname(out), { recursive: true, force: true }));

  test('one module per schema, and the index lists them', () => {
    const index = JSON.parse(fs.readFileSync(path.join(out, INDEX), 'utf8')) as { names: string[] };
    expect(index.names).toEqual(schemaNames());
    for (const name of index.names) expect(fs.existsSync(path.join(out, `${name}.js`))).toBe(true);
  });

  test('each gives the lines Ajv compiling the schemas gives, valid or broken', () => {
    const docs = documents();
    let checked = 0;
    for (const name of schemaNames()) {
      const check = load(path.join(out, `${name}.js`)) as ValidateFunction;
      const samples = (docs[name] ?? [{}]).slice(0, 12).flatMap(variants);
      for (const doc of samples) {
        const precompiled = check(doc) ? [] : problemLines(check.errors ?? []);
        expect({ name, doc, lines: precompiled }).toEqual({ name, doc, lines: validate(name, doc) });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  test('the built CLI checks a part of a schema (`#/$defs/…`) too, as Ajv does', () => {
    // no module per $defs entry: the built validate() must not take the fragment for a missing schema
    const built = path.join(ROOT, 'build', 'ts', 'cli', 'src', 'lib', 'schema.js');
    if (!fs.existsSync(built)) throw new Error('build/ts: run `make cli` first');
    const { validate: builtValidate } = load(built) as { validate: typeof validate };
    const id = 'https://vaoci.io/schemas/cli-images.schema.json#/$defs/record';
    for (const doc of [{}, { name: 'x' }]) expect(builtValidate(id, doc)).toEqual(validate(id, doc));
    expect(validate(id, {}).length).toBeGreaterThan(0);
  });

  test('the index names the schema files each validator was compiled from: its own and what its $refs reach', () => {
    const { sources } = JSON.parse(fs.readFileSync(path.join(out, INDEX), 'utf8')) as { sources: Record<string, string[]> };
    expect(Object.keys(sources).sort()).toEqual(schemaNames());
    // cli-inspect: run-index's container and hook-report, which both use defs
    expect(sources['cli-inspect']).toEqual([
      'cli-inspect.schema.json',
      'defs.schema.json',
      'hook-report.schema.json',
      'run-index.schema.json',
    ]);
    expect(sources.defs).toEqual(['defs.schema.json']);
    expect(schemaSources(findSchemaDir())).toEqual(sources);
  });

  test('used while their schema files are no newer than the index; other files in the directory change nothing', () => {
    const schemas = path.join(tmp, 'schemas');
    fs.cpSync(findSchemaDir(), schemas, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    const age = (): void => {
      for (const f of fs.readdirSync(schemas)) fs.utimesSync(path.join(schemas, f), old, old);
      fs.utimesSync(schemas, old, old);
    };
    age();
    expect(precompiledNames(out, schemas)).toEqual(schemaNames());
    // edited in place: every validator compiled from defs is set aside, the others stay
    const { sources } = JSON.parse(fs.readFileSync(path.join(out, INDEX), 'utf8')) as { sources: Record<string, string[]> };
    fs.utimesSync(path.join(schemas, 'annotations.schema.json'), new Date(), new Date(Date.now() + 60_000));
    const kept = schemaNames().filter((n) => !sources[n].includes('annotations.schema.json'));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(schemaNames().length);
    expect(precompiledNames(out, schemas)).toEqual(kept);
    // an editor's swap file, or a schema added (it has no validator: checker() compiles it): the others stay
    age();
    fs.writeFileSync(path.join(schemas, '.defs.schema.json.swp'), 'x');
    fs.writeFileSync(path.join(schemas, 'new.schema.json'), '{}');
    expect(precompiledNames(out, schemas)).toEqual(schemaNames());
    // a schema removed: every validator compiled from it is set aside
    fs.renameSync(path.join(schemas, 'annotations.schema.json'), path.join(tmp, 'annotations.schema.json'));
    expect(precompiledNames(out, schemas)).toEqual(kept);
    fs.renameSync(path.join(tmp, 'annotations.schema.json'), path.join(schemas, 'annotations.schema.json'));
    fs.rmSync(path.join(schemas, '.defs.schema.json.swp'));
    expect(precompiledNames(path.join(tmp, 'nowhere'), schemas)).toBeNull();
    // an index written before the sources were recorded is not used
    const older = path.join(tmp, 'older');
    fs.mkdirSync(older, { recursive: true });
    fs.writeFileSync(path.join(older, INDEX), `${JSON.stringify({ names: schemaNames() })}\n`);
    fs.rmSync(path.join(schemas, 'new.schema.json'));
    age();
    expect(precompiledNames(older, schemas)).toBeNull();
  });
});

describe('dispatch(): a Config from the manifest (startup/dispatch.ts)', () => {
  test('taken for this package.json; not with VAOCI_STARTUP=oclif, hooks, plugins or keys it does not know', () => {
    expect(fastPackage(PJSON, {})).toBe(true);
    expect(fastPackage(PJSON, { [STARTUP_ENV]: 'oclif' })).toBe(false);
    for (const extra of [
      { hooks: { init: './x' } },
      { plugins: ['@oclif/plugin-help'] },
      { jitPlugins: {} },
      { flexibleTaxonomy: true },
      { newKey: 1 },
    ]) {
      expect(fastPackage({ ...PJSON, oclif: { ...PJSON.oclif, ...extra } }, {})).toBe(false);
    }
    expect(
      fastPackage({ ...PJSON, oclif: { ...PJSON.oclif, commands: { strategy: 'single', target: './x' } } } as Interfaces.PJSON, {}),
    ).toBe(false);
    expect(fastPackage({ ...PJSON, oclif: { ...PJSON.oclif, additionalHelpFlags: ['-h'] } }, {})).toBe(true);
  });

  test('the root plugin is the one Plugin.load() makes from the manifest, but for the order of its commands', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as Manifest;
    const real = new Plugin({ root: ROOT, isRoot: true, type: 'core' });
    await real.load();
    const fast = manifestPlugin(ROOT, PJSON, manifest);
    const fields = (p: Plugin): Json => {
      const { _debug, options, commands, commandDiscoveryOpts, ...rest } = p as unknown as Json; // eslint-disable-line @typescript-eslint/no-unused-vars
      const opts = commandDiscoveryOpts as Json;
      return { ...rest, discovery: [opts.strategy, opts.target], commandIDs: [...(rest.commandIDs as string[])].sort() };
    };
    expect(fields(fast)).toEqual(fields(real));
    const byId = (p: Plugin): Json => Object.fromEntries(p.commands.map(({ load: _, ...c }) => [c.id, c])); // eslint-disable-line @typescript-eslint/no-unused-vars
    expect(byId(fast)).toEqual(byId(real));
    const validate = fast.commands.find((c) => c.id === 'validate');
    expect(((await validate?.load()) as unknown as { id: string }).id).toBe('validate');
  });
});

describe('bin/vaoci: through dispatch() and through plain execute(), the same output and exit', () => {
  const bin = path.join(ROOT, 'bin', 'vaoci');
  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, 'build', 'ts', 'cli', 'src', 'commands'))) {
      spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
    }
  });
  const pod = path.join(ROOT, 'test', 'bench', 'pod.yaml');
  const run = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(bin, args, { cwd: ROOT, encoding: 'utf8', input: '', env: { ...process.env, ...env } });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
  };
  test.each([
    [['validate', pod]],
    [['validate', '--json', pod]],
    [['validate', '--bogus']],
    [['validate', '--json', '/nonexistent.yaml']],
    [['validate', pod, '--node-config', '/nonexistent']],
    [['explain', pod, '--guest-arch', 'x86_64']],
    [['explain', '--json', pod]],
    [['reserve', 'check', '--va-limit', 'bogus']],
    [['reserve', 'check', '--json', '--runs', '0']],
    [['reserve']],
    [['nosuch']],
    [['inspect']],
    [[]],
    [['--help']],
    [['reserve', '--help']],
    [['node']],
    [['validate', '--help']],
    [['reserve', 'check', '--help']],
    [['run', '--help']],
    [['validate', '--', '--help']],
  ])('%j', (args) => {
    const fast = run(args);
    expect(fast.status).not.toBeNull();
    expect(fast).toEqual(run(args, { [STARTUP_ENV]: 'oclif' }));
  });
});

describe('the compile cache’s directory (startup/compile-cache.ts)', () => {
  const owner = (): number => fs.statSync(tmp).uid;

  test('one per user under the temp dir', () => {
    expect(compileCacheDir('/tmp', 1000)).toBe('/tmp/vaoci-compile-cache-1000');
    expect(compileCacheDir('/tmp', 0)).not.toBe(compileCacheDir('/tmp', 1000));
  });

  test('made with mode 0700, and used again', () => {
    const dir = path.join(tmp, 'cache');
    expect(safeCacheDir(dir, owner())).toBe(true);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(safeCacheDir(dir, owner())).toBe(true);
  });

  test('refused: another owner’s, writable by others, a symlink, a file, or not creatable', () => {
    const dir = path.join(tmp, 'cache2');
    expect(safeCacheDir(dir, owner())).toBe(true);
    expect(safeCacheDir(dir, owner() + 1)).toBe(false);
    fs.chmodSync(dir, 0o777);
    expect(safeCacheDir(dir, owner())).toBe(false);
    fs.symlinkSync(path.join(tmp, 'cache'), path.join(tmp, 'link'));
    expect(safeCacheDir(path.join(tmp, 'link'), owner())).toBe(false);
    fs.writeFileSync(path.join(tmp, 'file'), '');
    expect(safeCacheDir(path.join(tmp, 'file'), owner())).toBe(false);
    expect(safeCacheDir(path.join(tmp, 'no', 'such', 'parent'), owner())).toBe(false);
  });
});
