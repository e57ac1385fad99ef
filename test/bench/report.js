#!/usr/bin/env node
// The last step of `make bench`: reads the sections' raw JSON in DIR (default
// build/bench) and the run's machine.json, writes DIR/report.md and one SVG
// per chart beside it, and prints report.md. The rendering is
// cli/src/lib/benchreport (built by `make cli`).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const { SECTIONS, buildReport } = require(path.join(root, 'build', 'ts', 'cli', 'src', 'lib', 'benchreport'));
const dir = path.resolve(process.argv[2] || path.join(root, 'build', 'bench'));

/** load parses DIR/NAME.json, or gives undefined when that section did not run. */
function load(name) {
  const file = path.join(dir, `${name}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
}

const sections = Object.fromEntries(SECTIONS.map((name) => [name, load(name)]).filter(([, v]) => v !== undefined));
const { markdown, svgs } = buildReport(sections, load('machine'));
for (const [file, text] of Object.entries(svgs)) fs.writeFileSync(path.join(dir, file), text);
fs.writeFileSync(path.join(dir, 'report.md'), markdown);
process.stdout.write(markdown);
const plots = Object.keys(svgs).length;
process.stderr.write(
  `bench: wrote ${path.relative(process.cwd(), path.join(dir, 'report.md'))} and ${plots} SVG plot${plots === 1 ? '' : 's'} beside it\n`,
);
