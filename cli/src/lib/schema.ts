/**
 * The contract between vaoci's planes: every JSON Schema under schemas/,
 * loaded once into one Ajv instance, and a validate() that explains each
 * problem in one line naming the key, the value and what was expected.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';

/** SCHEMA_BASE_URL is the prefix of every vaoci schema's `$id`. */
export const SCHEMA_BASE_URL = 'https://vaoci.io/schemas/';

const SCHEMA_SUFFIX = '.schema.json';
const VALUE_MAX = 80;

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
 * 2020-12, strict, all errors, verbose so errors carry the offending value).
 * A schema that breaks strict mode throws here or when first compiled.
 */
export function loadSchemas(dir: string): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true });
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(SCHEMA_SUFFIX))
    .sort()) {
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  }
  return ajv;
}

let registry: Ajv2020 | undefined;

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
  registry ??= loadSchemas(findSchemaDir());
  const id = schemaId(nameOrId);
  const check = registry.getSchema(id);
  if (!check) throw new Error(`schema \`${nameOrId}\`: not found; expected one of ${schemaNames().join(', ')}`);
  if (check(document)) return [];
  const problems: Problem[] = [];
  for (const e of check.errors ?? []) {
    if (e.keyword === 'if') continue; // its then/else errors say more
    const p = describe(e);
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') mergeBranches(problems, p);
    else problems.push(p);
  }
  return [...new Set(problems.map(line))];
}

/** schemaNames lists the short names of the loaded schemas, sorted. */
export function schemaNames(): string[] {
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
