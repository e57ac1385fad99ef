#!/usr/bin/env node
// The last step of `make bench`: reads the sections' raw JSON in DIR (default
// build/bench), writes DIR/report.md and one SVG per chart beside it, and
// prints report.md. The rendering is cli/src/lib/benchreport (built by `make cli`);
// the CLI figure gains here one goal per command: at most CLI_RATIO times `node -e 0`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const lib = path.join(root, 'build', 'ts', 'cli', 'src', 'lib');
const { SECTIONS, figures } = require(path.join(lib, 'benchreport'));
const { renderMarkdown } = require(path.join(lib, 'benchreport', 'markdown'));
const { barChartSvg } = require(path.join(lib, 'benchreport', 'barchart'));
const { lineChartSvg } = require(path.join(lib, 'benchreport', 'linechart'));
const { summarize } = require(path.join(lib, 'benchreport', 'stats'));
const { within } = require(path.join(lib, 'benchreport', 'goals'));
const { amount, MS } = require(path.join(lib, 'benchreport', 'timing'));
const { formatRatio } = require(path.join(lib, 'format'));
const dir = path.resolve(process.argv[2] || path.join(root, 'build', 'bench'));

/** CLI_RATIO: every command a user runs often starts within this many times `node -e 0` (issue 18, goal 8). */
const CLI_RATIO = 1.5;

/** load parses DIR/NAME.json, or gives undefined when that section did not run. */
function load(name) {
  const file = path.join(dir, `${name}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
}

/** cliRatioGoals: each row of the CLI section against its first row (`node -e 0`), from the same runs. */
function cliRatioGoals(section) {
  return section.groups.flatMap((group) => {
    const [base, ...rows] = summarize(group);
    return rows.map((t) => ({
      text: `\`${t.name}\` ≤ ${CLI_RATIO}x \`${base.name}\``,
      measured: `${formatRatio(t.median / base.median)} (${amount(base.median, MS)} → ${amount(t.median, MS)} ms)`,
      met: within(t.median / base.median, CLI_RATIO),
    }));
  });
}

const sections = Object.fromEntries(SECTIONS.map((name) => [name, load(name)]).filter(([, v]) => v !== undefined));
const figs = figures(sections);
const cli = figs.find((f) => f.id === 'cli');
if (cli) cli.goals.push(...cliRatioGoals(sections.cli));
const svgs = {};
for (const { file, chart } of figs.flatMap((f) => f.charts)) svgs[file] = chart.kind === 'bar' ? barChartSvg(chart) : lineChartSvg(chart);
const markdown = renderMarkdown(figs, load('machine'));
for (const [file, text] of Object.entries(svgs)) fs.writeFileSync(path.join(dir, file), text);
fs.writeFileSync(path.join(dir, 'report.md'), markdown);
process.stdout.write(markdown);
const plots = Object.keys(svgs).length;
process.stderr.write(
  `bench: wrote ${path.relative(process.cwd(), path.join(dir, 'report.md'))} and ${plots} SVG plot${plots === 1 ? '' : 's'} beside it\n`,
);
