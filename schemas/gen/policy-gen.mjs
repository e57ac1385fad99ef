#!/usr/bin/env node
// policy-gen.mjs: turns the policy contract in schemas/ (annotations,
// node-config, policy schemas and gen/policy-messages.json) into the tables
// both resolvers use, so neither retypes the grammar:
//   hook/policy/policy_gen.h          (C: the runtime wrapper and hook)
//   cli/src/lib/policy/grammar.gen.ts (TypeScript: the CLI)
//
//   node schemas/gen/policy-gen.mjs          write both files
//   node schemas/gen/policy-gen.mjs --check  exit 1 when either file is stale
//   node schemas/gen/policy-gen.mjs --out D  write both under directory D instead
//   node schemas/gen/policy-gen.mjs --facts  print the extracted facts as JSON
//
// Every fact is read from the schemas; when a schema changes shape in a way
// this script does not understand (a new pattern form, a missing key), it
// fails naming what it expected instead of emitting something wrong.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT_C = 'hook/policy/policy_gen.h';
const OUT_TS = 'cli/src/lib/policy/grammar.gen.ts';
const SOURCES =
  'schemas/annotations.schema.json, schemas/node-config.schema.json, schemas/policy.schema.json, schemas/gen/policy-messages.json, schemas/gen/cri-sandbox.json';

function load(rel) {
  return JSON.parse(readFileSync(join(ROOT, rel), 'utf8'));
}

function fail(msg) {
  console.error(`policy-gen: ${msg}`);
  process.exit(2);
}

function need(cond, msg) {
  if (!cond) fail(msg);
}

/** consts lists the const branches of an anyOf value definition, in order. */
function consts(def, name) {
  need(Array.isArray(def?.anyOf), `annotations $defs/${name}: expected an anyOf of const branches`);
  return def.anyOf.filter((b) => 'const' in b).map((b) => b.const);
}

/** windowFacts reads the hex digit count and alignment from windowRange's pattern. */
function windowFacts(range) {
  const bound = String.raw`0\[xX\]\(0\{1,(\d+)\}\|\[0-9a-fA-F\]\{0,(\d+)\}(0+)\)`;
  const m = new RegExp(`^\\^${bound}-${bound}\\$$`).exec(range.pattern ?? '');
  need(m, `annotations $defs/windowRange/pattern: expected ^0[xX](0{1,Z-1}|[0-9a-fA-F]{0,N}0..0)-(same)$, got ${range.pattern}`);
  const [, zMax, free, zeros, zMax2, free2, zeros2] = m;
  need(zMax === zMax2 && free === free2 && zeros === zeros2, 'windowRange: both bounds must have the same pattern');
  need(Number(zMax) === zeros.length - 1, 'windowRange: 0{1,Z-1} must allow the value 0 in fewer digits than the aligned form');
  return {
    hexDigitsMax: Number(free) + zeros.length,
    alignZeros: zeros.length,
    align: 16 ** zeros.length,
    form: range.title,
  };
}

/** labelFacts checks that every per-container pattern is KEY\.DNS-1123-label. */
function labelFacts(schema, keys) {
  const label = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
  for (const key of keys) {
    const pattern = `^${escape(key)}\\.${label}$`;
    need(schema.patternProperties?.[pattern], `annotations: expected patternProperties ${pattern}`);
    const def = schema.properties[key].$ref;
    need(schema.patternProperties[pattern].$ref === def, `annotations: ${pattern} must use the same $ref as ${key}`);
  }
  return { edge: 'abcdefghijklmnopqrstuvwxyz0123456789', inner: 'abcdefghijklmnopqrstuvwxyz0123456789-' };
}

function escape(s) {
  return s.replace(/[.\\]/g, (c) => `\\${c}`);
}

/** facts extracts everything the resolvers need from the schemas. */
function facts() {
  const ann = load('schemas/annotations.schema.json');
  const node = load('schemas/node-config.schema.json');
  const policy = load('schemas/policy.schema.json');
  const messages = load('schemas/gen/policy-messages.json').messages;
  const sandbox = load('schemas/gen/cri-sandbox.json').markers;
  need(
    Array.isArray(sandbox) && sandbox.length && sandbox.every((m) => typeof m.key === 'string' && typeof m.value === 'string'),
    'cri-sandbox.json: expected markers, a non-empty array of {key, value}',
  );

  const fullKeys = Object.keys(ann.properties);
  const prefix = fullKeys[0].slice(0, fullKeys[0].indexOf('/') + 1);
  need(prefix === 'vaoci.io/' && fullKeys.every((k) => k.startsWith(prefix)), 'annotations: every property must be vaoci.io/KEY');
  const keyMax = ann.propertyNames?.then?.maxLength;
  need(
    ann.propertyNames?.if?.pattern === `^${escape(prefix)}` && Number.isInteger(keyMax),
    'annotations: expected propertyNames if ^vaoci\\.io/ then maxLength',
  );
  need(ann.additionalProperties === false, 'annotations: must be closed (unknown vaoci.io/ keys are errors)');

  const keys = fullKeys.map((full) => {
    const name = full.slice(prefix.length);
    const ref = ann.properties[full].$ref;
    const defName = ref?.replace('#/$defs/', '');
    const def = ann.$defs[defName];
    need(def, `annotations: ${full} must $ref a $defs entry`);
    const configField = name.replace(/-/g, '_');
    need(
      node.properties.defaults.properties[configField]?.$ref === `annotations.schema.json${ref}`,
      `node-config: defaults/${configField} must $ref annotations.schema.json${ref}`,
    );
    const values = consts(def, defName);
    const hasWindow = def.anyOf.some((b) => b.$ref === '#/$defs/windowRange');
    const builtin = node.properties.defaults.properties[configField].default;
    need(values.includes(builtin), `node-config: defaults/${configField} must have a default among its values`);
    return { name, configField, values, hasWindow, builtin, containerMax: keyMax - prefix.length - name.length - 1 };
  });
  const window = windowFacts(ann.$defs.windowRange);
  const label = labelFacts(ann, fullKeys);

  const expect = {};
  for (const k of keys) {
    expect[k.name] = `one of ${k.values.join(', ')}${k.hasWindow ? `, or ${window.form}` : ''}`;
  }
  expect.window = `${window.form} with 1-${window.hexDigitsMax} hex digits per bound, both ${window.align}-aligned (ending in ${'0'.repeat(window.alignZeros)}), LOWER != UPPER`;
  for (const [id, text] of Object.entries(messages)) expect[id] = text;
  expect.unknownKey = expect.unknownKey.replace('%s', keys.map((k) => prefix + k.name).join(', '));

  const inj = node.properties.injection.properties;
  const dflt = (def, what) => {
    need(def && 'default' in def, `node-config: ${what} must have a default`);
    return def.default;
  };
  const hostDir = dflt(inj.host_dir, 'injection/host_dir');
  const preload = dflt(inj.preload, 'injection/preload');
  need(preload.startsWith(`${hostDir}/`), "node-config: injection/preload default must lie under host_dir's default");
  const launcher = dflt(inj.launcher, 'injection/launcher');
  need(launcher.startsWith(`${hostDir}/`), "node-config: injection/launcher default must lie under host_dir's default");
  const node_defaults = {
    hostDir,
    preloadSubpath: preload.slice(hostDir.length + 1),
    launcherSubpath: launcher.slice(hostDir.length + 1),
    bindMount: dflt(inj.bind_mount, 'injection/bind_mount'),
    libraryDirs: dflt(inj.library_dirs, 'injection/library_dirs'),
    log: dflt(node.properties.log, 'log'),
    logMaxMib: dflt(node.properties.log_max_mib, 'log_max_mib'),
    reportsDir: dflt(node.properties.reports_dir, 'reports_dir'),
    binfmtDir: dflt(node.properties.binfmt_dir, 'binfmt_dir'),
  };
  const enumOf = (def, what) => {
    need(Array.isArray(def?.enum), `policy: expected an enum for ${what}`);
    return def.enum;
  };
  return {
    prefix,
    keyNameMax: keyMax - prefix.length,
    keys,
    window,
    label,
    expect,
    node: node_defaults,
    sandbox: sandbox.map((m) => ({ key: m.key, value: m.value })),
    policy: {
      guestArch: enumOf(policy.properties.guest_arch, 'guest_arch'),
      emulator: enumOf(policy.$defs.emulatorName, 'emulatorName'),
      method: enumOf(policy.$defs.injection.properties.method, 'injection method'),
      source: enumOf(policy.$defs.source.properties.source, 'source'),
      onError: enumOf(policy.properties.on_error, 'on_error'),
      binfmtEmulator: enumOf(policy.$defs.binfmtEntry.properties.emulator, 'binfmt emulator'),
      entryArch: enumOf(policy.$defs.entrypointFound.properties.arch, 'entrypoint arch'),
      linkage: enumOf(policy.$defs.binfmtEntry.properties.linkage, 'linkage'),
    },
  };
}

const cName = (s) => s.toUpperCase().replace(/[^A-Z0-9]/g, '_');
const cString = (s) => JSON.stringify(s); // the texts are printable UTF-8: JSON escapes are valid C escapes
const camelToSnake = (s) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function emitC(f) {
  const out = [];
  const p = (s = '') => out.push(s);
  p(`/* Generated by schemas/gen/policy-gen.mjs from ${SOURCES}.`);
  p(' * Do not edit: run `make policy-gen`. The build fails when this file is stale. */');
  p('#ifndef VAOCI_POLICY_GEN_H');
  p('#define VAOCI_POLICY_GEN_H');
  p();
  p(`#define VAOCI_POLICY_PREFIX ${cString(f.prefix)}`);
  p(`#define VAOCI_POLICY_KEY_NAME_MAX ${f.keyNameMax} /* characters after the prefix */`);
  p(`#define VAOCI_POLICY_HEX_DIGITS_MAX ${f.window.hexDigitsMax}`);
  p(`#define VAOCI_POLICY_WINDOW_ALIGN ${f.window.align}ull`);
  p(`#define VAOCI_POLICY_LABEL_EDGE ${cString(f.label.edge)}`);
  p(`#define VAOCI_POLICY_LABEL_INNER ${cString(f.label.inner)}`);
  p();
  p('/* The annotation keys, in schema order. */');
  p('enum vaoci_policy_key {');
  for (const k of f.keys) p(`  VAOCI_KEY_${cName(k.name)},`);
  p('  VAOCI_KEY_COUNT,');
  p('};');
  p();
  for (const k of f.keys) {
    p(`/* ${f.prefix}${k.name}: its values (index = enum), ${k.hasWindow ? 'or a window' : 'nothing else'}. */`);
    p(`enum vaoci_set_${cName(k.name).toLowerCase()} {`);
    for (const v of k.values) p(`  VAOCI_SET_${cName(k.name)}_${cName(v)},`);
    if (k.hasWindow) p(`  VAOCI_SET_${cName(k.name)}_WINDOW,`);
    p('};');
  }
  p();
  p('/* vaoci_policy_keys describes each key: its name after the prefix, its node-config field,');
  p(' * its values, whether a window is allowed, its built-in default and its longest container name. */');
  p('struct vaoci_policy_key_info {');
  p('  const char *name, *config_field;');
  p('  const char *const *values;');
  p('  int value_count, window, builtin, container_max;');
  p('  const char *expect;');
  p('};');
  for (const k of f.keys) {
    p(`static const char *const vaoci_${cName(k.name).toLowerCase()}_values[] = {${k.values.map(cString).join(', ')}};`);
  }
  p('static const struct vaoci_policy_key_info vaoci_policy_keys[VAOCI_KEY_COUNT] = {');
  for (const k of f.keys) {
    const id = cName(k.name).toLowerCase();
    p(
      `    {${cString(k.name)}, ${cString(k.configField)}, vaoci_${id}_values, ${k.values.length}, ${k.hasWindow ? 1 : 0}, ${k.values.indexOf(k.builtin)}, ${k.containerMax},`,
    );
    p(`     ${cString(f.expect[k.name])}},`);
  }
  p('};');
  p();
  p("/* The node config's defaults (schemas/node-config.schema.json). */");
  p(`#define VAOCI_NODE_HOST_DIR ${cString(f.node.hostDir)}`);
  p(`#define VAOCI_NODE_PRELOAD_SUBPATH ${cString(f.node.preloadSubpath)} /* under host_dir */`);
  p(`#define VAOCI_NODE_LAUNCHER_SUBPATH ${cString(f.node.launcherSubpath)} /* under host_dir */`);
  p(`#define VAOCI_NODE_BIND_MOUNT ${f.node.bindMount ? 1 : 0}`);
  p(`static const char *const vaoci_node_library_dirs[] = {${f.node.libraryDirs.map(cString).join(', ')}};`);
  p(`#define VAOCI_NODE_LIBRARY_DIR_COUNT ${f.node.libraryDirs.length}`);
  p(`#define VAOCI_NODE_LOG ${cString(f.node.log)}`);
  p(`#define VAOCI_NODE_LOG_MAX_MIB ${f.node.logMaxMib} /* rotate to LOG.1 at this size; 0: never */`);
  p(`#define VAOCI_NODE_REPORTS_DIR ${cString(f.node.reportsDir)}`);
  p(`#define VAOCI_NODE_BINFMT_DIR ${cString(f.node.binfmtDir)}`);
  p();
  p('/* The annotations that mark a pod sandbox (schemas/gen/cri-sandbox.json): key, exact value. */');
  p('struct vaoci_policy_sandbox_marker {');
  p('  const char *key, *value;');
  p('};');
  p(`#define VAOCI_POLICY_SANDBOX_MARKER_COUNT ${f.sandbox.length}`);
  p('static const struct vaoci_policy_sandbox_marker vaoci_policy_sandbox_markers[VAOCI_POLICY_SANDBOX_MARKER_COUNT] = {');
  for (const m of f.sandbox) p(`    {${cString(m.key)}, ${cString(m.value)}},`);
  p('};');
  p();
  p('/* The "expected ..." texts of the error lines; %s and %d are filled in order. */');
  for (const [id, text] of Object.entries(f.expect)) {
    if (f.keys.some((k) => k.name === id)) continue;
    p(`#define VAOCI_EXPECT_${cName(camelToSnake(id))} ${cString(text)}`);
  }
  p();
  p("/* The resolved policy's vocabularies (schemas/policy.schema.json), index = enum. */");
  for (const [name, values] of Object.entries(f.policy)) {
    const id = camelToSnake(name);
    p(`enum vaoci_policy_${id} {`);
    for (const v of values) p(`  VAOCI_${cName(id)}_${cName(v)},`);
    p('};');
    p(`static const char *const vaoci_policy_${id}_names[] = {${values.map(cString).join(', ')}};`);
  }
  p();
  p('#endif');
  return `${out.join('\n')}\n`;
}

function emitTs(f) {
  const data = {
    PREFIX: f.prefix,
    KEY_NAME_MAX: f.keyNameMax,
    KEYS: f.keys,
    WINDOW: f.window,
    LABEL: f.label,
    EXPECT: f.expect,
    NODE: f.node,
    SANDBOX: f.sandbox,
    POLICY: f.policy,
  };
  const out = [];
  out.push(`// Generated by schemas/gen/policy-gen.mjs from ${SOURCES}.`);
  out.push('// Do not edit: run `make policy-gen`. jest and the C build fail when this file is stale.');
  out.push('');
  const docs = {
    PREFIX: 'PREFIX is the annotation domain every vaoci key starts with.',
    KEY_NAME_MAX: "KEY_NAME_MAX is the longest key name after PREFIX (Kubernetes' annotation name limit).",
    KEYS: 'KEYS describes each annotation key: values, window form, node-config field, built-in default, longest container name.',
    WINDOW: "WINDOW holds the hex window facts read from windowRange's pattern.",
    LABEL: 'LABEL holds the characters of a DNS-1123 label: at its edges, and inside it.',
    EXPECT: 'EXPECT holds the "expected ..." texts of the error lines; %s and %d are filled in order.',
    NODE: "NODE holds the node config's defaults.",
    SANDBOX: 'SANDBOX lists the annotations (key, exact value) that mark a pod sandbox: never a window or an injection.',
    POLICY: "POLICY holds the resolved policy's vocabularies.",
  };
  for (const [name, value] of Object.entries(data)) {
    out.push(`/** ${docs[name]} */`);
    out.push(`export const ${name} = ${JSON.stringify(value, null, 2)} as const;`);
    out.push('');
  }
  return out.join('\n');
}

function main() {
  const f = facts();
  const mode = process.argv[2];
  if (mode === '--facts') {
    process.stdout.write(`${JSON.stringify(f, null, 2)}\n`);
    return;
  }
  const outputs = { [OUT_C]: emitC(f), [OUT_TS]: emitTs(f) };
  if (mode === '--out') {
    for (const [rel, text] of Object.entries(outputs)) {
      const file = join(process.argv[3] ?? fail('--out needs a directory'), rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
    return;
  }
  let stale = 0;
  for (const [rel, text] of Object.entries(outputs)) {
    const file = join(ROOT, rel);
    let old;
    try {
      old = readFileSync(file, 'utf8');
    } catch {
      old = null;
    }
    if (old === text) continue;
    if (mode === '--check') {
      console.error(`policy-gen: ${relative(process.cwd(), file)} is stale: run \`make policy-gen\` and commit it`);
      stale++;
    } else {
      writeFileSync(file, text);
      console.error(`policy-gen: wrote ${rel}`);
    }
  }
  if (stale) process.exit(1);
}

main();
