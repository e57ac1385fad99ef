/**
 * The contract between vaoci's planes: every JSON Schema under schemas/, and
 * a validate() that explains each problem in one line naming the key, the
 * value and what was expected. The compiled CLI uses the validators `make
 * cli` precompiled (startup/validators.ts): a command loads only the one it
 * checks against, and neither Ajv nor the schemas. From the TypeScript
 * sources (jest), or when a schema changed after the build, the schemas are
 * loaded into one Ajv instance and compiled here instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { default as Ajv2020, ErrorObject, Options, ValidateFunction } from 'ajv/dist/2020';

/** SCHEMA_BASE_URL is the prefix of every vaoci schema's `$id`. */
export const SCHEMA_BASE_URL = 'https://vaoci.io/schemas/';

/** SCHEMA_SUFFIX ends every schema's file name and `$id`. */
export const SCHEMA_SUFFIX = '.schema.json';
const VALUE_MAX = 80;

/** PRECOMPILED is where `make cli` writes the validators (startup/validators.ts's VALIDATORS_DIR, index.json its list). */
const PRECOMPILED = path.join(__dirname, 'startup', 'validators');

/**
 * findSchemaDir walks up from `start` to the first directory holding
 * schemas/defs.schema.json, so the schemas are found both from the sources
 * (cli/src/lib) and from compiled output (build/ts/cli/src/lib).
 */
export function findSchemaDir(start: string = __dirname): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'schemas');
    if (fs.existsSync(path.join(candidate, `defs${SCHEMA_SUFFIX}`))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`schemas/defs${SCHEMA_SUFFIX}: not found above ${start}`);
  }
}

/**
 * loadSchemas reads every `*.schema.json` in `dir` into a new Ajv (draft
 * 2020-12, strict, all errors, verbose so errors carry the offending value;
 * `options` add to these). A schema that breaks strict mode throws here or
 * when first compiled. Ajv is required here, not when this module loads.
 */
export function loadSchemas(dir: string, options: Options = {}): Ajv2020 {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only where schemas are compiled (not in the built CLI)
  const { default: Ajv } = require('ajv/dist/2020') as typeof import('ajv/dist/2020');
  const ajv = new Ajv({ strict: true, allErrors: true, verbose: true, ...options });
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(SCHEMA_SUFFIX))
    .sort()) {
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  }
  return ajv;
}

let registry: Ajv2020 | undefined;

/** PrecompiledIndex is index.json: the validators' short names, and the schema files each was compiled from (startup/validators.ts). */
export interface PrecompiledIndex {
  names: string[];
  sources: Record<string, string[]>;
}

/** Precompiled is a build's index as found: with its mtime, the schemas directory it is held to, and each schema file already stated. */
interface Precompiled extends PrecompiledIndex {
  builtMs: number;
  schemas: string;
  /** current: schema file → not newer than the build; each file is stated once (defs.schema.json feeds nearly every validator). */
  current: Map<string, boolean>;
}

/** precompiled is the build's index, or null (the sources, or no build). */
let precompiled: Precompiled | null | undefined;

/**
 * precompiledIndex reads the index of the precompiled validators in `dir`
 * (index.json). Whether each validator is still current is decided per
 * validator, by usable(): a schema file saved (in place, or by a rename, as
 * most editors save) or removed since sets aside every validator compiled
 * from it; a schema added since has none, and checker() compiles it from
 * the schemas. Other files in the directory (an editor's swap file) change
 * nothing.
 */
function precompiledIndex(dir: string = PRECOMPILED, schemas?: string): Precompiled | null {
  const index = fs.statSync(path.join(dir, 'index.json'), { throwIfNoEntry: false });
  if (!index) return null;
  schemas ??= findSchemaDir();
  const read = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as Partial<PrecompiledIndex>;
  if (!Array.isArray(read.names) || !read.sources) return null; // an index from before the sources were recorded
  return { names: read.names, sources: read.sources, builtMs: index.mtimeMs, schemas, current: new Map() };
}

/** usable: none of the schema files `name`'s validator (one of p.names) was compiled from is newer than the build. */
function usable(p: Precompiled, name: string): boolean {
  const files = p.sources[name];
  return !!files && files.every((f) => current(p, f));
}

/** current: `file` in the schemas directory is not newer than the build; stated once per process. */
function current(p: Precompiled, file: string): boolean {
  let ok = p.current.get(file);
  if (ok === undefined) {
    ok = (fs.statSync(path.join(p.schemas, file), { throwIfNoEntry: false })?.mtimeMs ?? Infinity) <= p.builtMs;
    p.current.set(file, ok);
  }
  return ok;
}

/**
 * precompiledNames lists the validators of the build in `dir` that are
 * still current against `schemas`, or null when the build's index is not to
 * be used at all (see precompiledIndex).
 */
export function precompiledNames(dir: string = PRECOMPILED, schemas?: string): string[] | null {
  const p = precompiledIndex(dir, schemas);
  return p && p.names.filter((n) => usable(p, n));
}

/** checker is the validator of a schema `$id`, or undefined when there is no such schema. */
function checker(id: string): ValidateFunction | undefined {
  if (precompiled === undefined) precompiled = precompiledIndex();
  // a part of a schema (`…schema.json#/$defs/record`) has no precompiled validator of its own
  if (precompiled && !id.includes('#')) {
    const name = id.slice(SCHEMA_BASE_URL.length, -SCHEMA_SUFFIX.length);
    const fresh = id.startsWith(SCHEMA_BASE_URL) && precompiled.names.includes(name) && usable(precompiled, name);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- one generated module per schema, loaded when first used
    if (fresh) return require(path.join(PRECOMPILED, `${name}.js`)) as ValidateFunction; // the full name: no search of extensions
  }
  registry ??= loadSchemas(findSchemaDir());
  return registry.getSchema(id);
}

/**
 * schemaId turns a short name (`reserve-check`, `reserve-check.schema.json`)
 * into the schema's `$id`; a full `$id` is returned unchanged.
 */
export function schemaId(nameOrId: string): string {
  if (nameOrId.startsWith(SCHEMA_BASE_URL)) return nameOrId;
  const name = nameOrId.endsWith(SCHEMA_SUFFIX) ? nameOrId.slice(0, -SCHEMA_SUFFIX.length) : nameOrId;
  return `${SCHEMA_BASE_URL}${name}${SCHEMA_SUFFIX}`;
}

/**
 * validate checks `document` against a schema given by `$id` or short name
 * and returns one line per problem (empty when the document is valid), e.g.
 * `/window/lower: value "12" — expected to match pattern ^0x[0-9a-f]+$`.
 * An unknown schema is a programming error and throws.
 */
export function validate(nameOrId: string, document: unknown): string[] {
  const check = checker(schemaId(nameOrId));
  if (!check) throw new Error(`schema \`${nameOrId}\`: not found; expected one of ${schemaNames().join(', ')}`);
  if (check(document)) return [];
  return problemLines(check.errors ?? []);
}

/** problemLines turns Ajv's errors into validate()'s lines. */
export function problemLines(errors: ErrorObject[]): string[] {
  const problems: Problem[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue; // its then/else errors say more
    const p = describe(e);
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') mergeBranches(problems, p);
    else problems.push(p);
  }
  return [...new Set(problems.map(line))];
}

/** schemaNames lists the short names of the schemas, sorted. */
export function schemaNames(): string[] {
  if (precompiled === undefined) precompiled = precompiledIndex();
  if (precompiled) return [...precompiled.names].sort();
  registry ??= loadSchemas(findSchemaDir());
  return Object.keys(registry.schemas)
    .filter((id) => id.startsWith(SCHEMA_BASE_URL))
    .map((id) => id.slice(SCHEMA_BASE_URL.length, -SCHEMA_SUFFIX.length))
    .sort();
}

/** Problem is one validation error: where, what was there (undefined when missing), what was wanted. */
interface Problem {
  path: string;
  value?: string;
  expected: string;
}

/** line prints a Problem as "POINTER: value VALUE — expected WHAT". */
function line(p: Problem): string {
  return `${p.path}: ${p.value === undefined ? 'missing' : `value ${p.value}`} — expected ${p.expected}`;
}

/** describe turns one Ajv error into a Problem naming the exact key. */
function describe(e: ErrorObject): Problem {
  if (e.keyword === 'required') {
    const key = String(e.params.missingProperty);
    return { path: child(e.instancePath, key), expected: `key "${key}" (required)` };
  }
  if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
    const key = String(e.params.additionalProperty ?? e.params.unevaluatedProperty);
    const value = show((e.data as Record<string, unknown>)[key]);
    return { path: child(e.instancePath, key), value, expected: `no key "${key}" here (unknown key)` };
  }
  return { path: e.instancePath || '/', value: show(e.data), expected: expected(e) };
}

/**
 * mergeBranches folds the errors of a failed oneOf/anyOf's branches (Ajv
 * reports them just before it, at the same path) into one line:
 * `expected to match pattern ^0x[0-9a-f]+$, or type null`.
 */
function mergeBranches(problems: Problem[], combined: Problem): void {
  const branches: string[] = [];
  while (problems.length && problems[problems.length - 1].path === combined.path) {
    branches.unshift((problems.pop() as Problem).expected);
  }
  problems.push(branches.length ? { ...combined, expected: branches.join(', or ') } : combined);
}

/** expected phrases what the schema wanted, from Ajv's error. */
function expected(e: ErrorObject): string {
  switch (e.keyword) {
    case 'pattern':
      return `to match pattern ${String(e.params.pattern)}`;
    case 'enum':
      return `one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return JSON.stringify(e.params.allowedValue);
    case 'type':
      return `type ${String(e.params.type)}`;
    default:
      return (e.message ?? 'a valid value').replace(/^must /, 'to ');
  }
}

/** child appends a key to a JSON pointer, escaping it (RFC 6901). */
function child(pointer: string, key: string): string {
  return `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** show prints a value as JSON, cut to VALUE_MAX characters. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > VALUE_MAX ? `${text.slice(0, VALUE_MAX - 1)}…` : text;
}
