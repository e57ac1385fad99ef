#!/usr/bin/env node
// CRI-O's effective config of a node tree, as CRI-O reads it: crio.conf, then
// every file in crio.conf.d in lexical order (CRI-O reads them all, whatever
// their names), each a TOML document merged table by table over the ones
// before. Prints the merged config as canonical JSON; a file that does not
// parse is one line on stderr and exit 1 (CRI-O would not start). No crio
// binary is needed: the test machine has none (installer-lib.sh). TOML by
// smol-toml, the parser the CLI itself uses.
//   node test/reliability/crio-effective.mjs ROOT
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'smol-toml';

const isTable = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

function merge(into, doc) {
  for (const [key, value] of Object.entries(doc)) {
    if (isTable(value) && isTable(into[key])) merge(into[key], value);
    else into[key] = value;
  }
}

/** canonical sorts every table's keys, so equal configs print equal. */
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (!isTable(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, canonical(v[k])]),
  );
}

const root = process.argv[2];
const dropins = path.join(root, 'etc/crio/crio.conf.d');
const files = [path.join(root, 'etc/crio/crio.conf')];
if (fs.existsSync(dropins) && fs.statSync(dropins).isDirectory())
  files.push(
    ...fs
      .readdirSync(dropins)
      .sort()
      .map((n) => path.join(dropins, n)),
  );
const config = {};
for (const f of files) {
  if (!fs.existsSync(f) || fs.statSync(f).isDirectory()) continue;
  try {
    merge(config, parse(fs.readFileSync(f, 'utf8')));
  } catch (e) {
    console.error(`crio: ${f}: ${String(e.message).split('\n')[0]}`);
    process.exit(1);
  }
}
console.log(JSON.stringify(canonical(config)));
