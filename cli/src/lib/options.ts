/**
 * The CLI's flags and arguments, shared by its commands, as plain
 * descriptions free of oclif: a command that starts without oclif (lean/)
 * parses its command line with them, and flags.ts turns the same ones into
 * oclif's for everything else, so each flag is defined once. Each parses
 * its value itself and throws a Failure whose line names the flag, the
 * value and what was expected, in the same form vaoci-reserve uses:
 * "--runs `0`: expected a whole number from 1 to 100000".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { badInput } from './errors';
import { type NodeArch, parseNodeArch, readNodeLabels } from './explain-node';
import { parseValue } from './policy/values';

/**
 * OptionSpec is a flag that takes a value: `parse` checks and converts it
 * (throwing a Failure); `default` is taken as is when the flag is absent.
 * `multiple` flags may be given any number of times (a list of values).
 */
export interface OptionSpec<T = unknown> {
  kind: 'option';
  summary: string;
  helpValue: string;
  parse: (input: string) => T;
  required?: boolean;
  default?: T | T[];
  char?: 'e' | 'v';
  /** multiple: given any number of times; the value is then a list of what `parse` returns. */
  multiple?: boolean;
  /** options: the only values taken (oclif lists them in help and checks them itself). */
  options?: readonly string[];
}

/** BooleanSpec is a flag without a value. */
export interface BooleanSpec {
  kind: 'boolean';
  summary: string;
}

/** FlagSpec is any flag. */
export type FlagSpec = OptionSpec | BooleanSpec;

/** ArgSpec is a positional argument; `parse` as for an OptionSpec. */
export interface ArgSpec<T = string> {
  name: string;
  description: string;
  required: boolean;
  parse?: (input: string) => T;
}

/** option makes an OptionSpec. */
function option<T>(spec: Omit<OptionSpec<T>, 'kind'>): OptionSpec<T> {
  return { kind: 'option', ...spec };
}

/** ALGORITHMS are vaoci-reserve's reservation algorithms (schemas/defs.schema.json#/$defs/algorithm). */
export const ALGORITHMS = ['known', 'query', 'gaps', 'halving', 'ladder'] as const;

/** Algorithm is one of ALGORITHMS. */
export type Algorithm = (typeof ALGORITHMS)[number];

/** BENCH_ROWS are what `reserve bench --algos` can name: the algorithms, and the floor (only the default's final mmaps). */
export const BENCH_ROWS = [...ALGORITHMS, 'floor'] as const;

/** BenchRow is one of BENCH_ROWS. */
export type BenchRow = (typeof BENCH_ROWS)[number];

/** WINDOW_EXPECTED says what --va-limit takes; vaoci-reserve checks the value itself. */
export const WINDOW_EXPECTED = 'x86_64, i386 or 0xLOWER-0xUPPER';

/** PID_MAX is Linux's PID_MAX_LIMIT: no process id is larger. */
export const PID_MAX = 4_194_304;

/** oneOf lists choices for a message: "a, b or c". */
const oneOf = (choices: readonly string[]): string => `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;

const ALGORITHMS_EXPECTED = oneOf(ALGORITHMS);

/** EXPECTED maps a flag name to what it expects, for "--flag: missing; expected …". */
const EXPECTED: Record<string, string> = {};

/** expectedFor says what a flag expects, or undefined for a flag of oclif's own. */
export function expectedFor(flag: string): string | undefined {
  return EXPECTED[flag];
}

/** parseCount reads a whole number in [min, max] given to `--flag`. */
export function parseCount(flag: string, input: string, min: number, max: number): number {
  const n = /^[0-9]+$/.test(input) ? Number(input) : NaN;
  if (!(n >= min && n <= max)) throw badInput(`--${flag} \`${input}\`: expected ${countExpected(min, max)}`);
  return n;
}

/** parseChoice reads one name given to `--flag` out of `choices`; `noun` says what a name is in the message. */
export function parseChoice<T extends string>(flag: string, input: string, choices: readonly T[], noun = 'algorithm'): T {
  if ((choices as readonly string[]).includes(input)) return input as T;
  throw badInput(`--${flag}: ${noun} \`${input}\`: expected ${oneOf(choices)}`);
}

/** parseChoices reads a comma-separated list of names out of `choices`, without repeats. */
export function parseChoices<T extends string>(flag: string, input: string, choices: readonly T[], noun = 'algorithm'): T[] {
  const list = input.split(',').map((a) => parseChoice(flag, a.trim(), choices, noun));
  const repeated = list.find((a, i) => list.indexOf(a) !== i);
  if (repeated) throw badInput(`--${flag}: ${noun} \`${repeated}\` twice: expected each at most once`);
  return list;
}

/** parseAlgorithm reads one algorithm name given to `--flag`. */
export function parseAlgorithm(flag: string, input: string): Algorithm {
  return parseChoice(flag, input, ALGORITHMS);
}

/** parseAlgorithms reads a comma-separated list of algorithms, without repeats. */
export function parseAlgorithms(flag: string, input: string): Algorithm[] {
  return parseChoices(flag, input, ALGORITHMS);
}

/** parseWindow checks --va-limit only for emptiness; vaoci-reserve parses windows and says what is wrong. */
export function parseWindow(flag: string, input: string): string {
  if (!input.trim()) throw badInput(`--${flag} \`${input}\`: expected ${WINDOW_EXPECTED}`);
  return input.trim();
}

const isDir = (p: string): boolean => fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** parseOutputFile checks that a file can be created: its directory exists and it is not a directory. */
export function parseOutputFile(flag: string, input: string): string {
  const file = path.resolve(input);
  const dir = path.dirname(file);
  if (!input || !isDir(dir) || isDir(file)) {
    throw badInput(`--${flag} \`${input}\`: expected a file path in an existing directory`);
  }
  return file;
}

function countExpected(min: number, max: number): string {
  return `a whole number from ${min} to ${max}`;
}

function remember(name: string, expected: string): void {
  EXPECTED[name] = expected;
}

/** windowOption is --va-limit: the window to reserve or verify against. */
export function windowOption(opts: { required: true } | { default: string }) {
  remember('va-limit', WINDOW_EXPECTED);
  return option<string>({
    summary: `Window: ${WINDOW_EXPECTED} (LOWER > UPPER wraps around).`,
    helpValue: '<window>',
    parse: (input) => parseWindow('va-limit', input),
    ...opts,
  });
}

/** countOption is a whole-number flag in [min, max]. */
export function countOption(name: string, min: number, max: number, summary: string, opts: { default?: number; required?: boolean } = {}) {
  remember(name, countExpected(min, max));
  const spec = option<number>({ summary, helpValue: '<n>', parse: (input) => parseCount(name, input, min, max) });
  return opts.required ? { ...spec, required: true } : opts.default === undefined ? spec : { ...spec, default: opts.default };
}

/** algorithmOption is --algo: one algorithm, vaoci-reserve's default when absent. */
export function algorithmOption() {
  remember('algo', ALGORITHMS_EXPECTED);
  return option<Algorithm>({
    summary: `Reservation algorithm: ${ALGORITHMS_EXPECTED} (default known).`,
    helpValue: '<algorithm>',
    parse: (input) => parseAlgorithm('algo', input),
  });
}

/** benchRowsOption is bench's --algos: a comma-separated list of algorithms and the floor, every row when absent. */
export function benchRowsOption() {
  remember('algos', `a comma-separated list of ${oneOf(BENCH_ROWS)}`);
  return option<BenchRow[]>({
    summary: `Rows to compare, comma-separated, from ${BENCH_ROWS.join(', ')} (default: all; floor: only the default's final mmaps).`,
    helpValue: '<a,b,…>',
    parse: (input) => parseChoices('algos', input, BENCH_ROWS, 'row'),
  });
}

/** GUEST_ARCHES are the architectures `explain --guest-arch` can assume for an entrypoint. */
export const GUEST_ARCHES = ['x86_64', 'i386', 'aarch64'] as const;

/** GuestArch is one of GUEST_ARCHES. */
export type GuestArch = (typeof GUEST_ARCHES)[number];

/** nodeArchOption is explain's --node-arch: answer for a node of that architecture. */
export function nodeArchOption() {
  remember('node-arch', 'arm64, amd64, aarch64 or x86_64');
  return option<NodeArch>({
    summary: "Answer for a node of this architecture (arm64, amd64, aarch64 or x86_64) instead of this machine's.",
    helpValue: '<arch>',
    parse: (input) => parseNodeArch(input),
  });
}

/** nodeLabelsOption is explain's --node-labels: answer for the node the agent's labels describe. */
export function nodeLabelsOption() {
  remember('node-labels', 'k=v,k=v or a file with a Node or its labels');
  return option<Record<string, string>>({
    summary: 'Answer for the node these labels describe: k=v,k=v, or a file with the Node (kubectl get node NAME -o json) or its labels.',
    helpValue: '<file|k=v,...>',
    parse: (input) => readNodeLabels(input),
  });
}

/** guestArchOption is --guest-arch: the entrypoint's architecture, for workloads whose rootfs is not at hand. */
export function guestArchOption() {
  const expected = 'x86_64, i386 or aarch64';
  remember('guest-arch', expected);
  return option<GuestArch>({
    summary: `Assume a dynamically linked entrypoint of this architecture (${expected}) where no bundle rootfs is given, e.g. for a Pod YAML.`,
    helpValue: '<arch>',
    parse: (input) => {
      if ((GUEST_ARCHES as readonly string[]).includes(input)) return input as GuestArch;
      throw badInput(`--guest-arch \`${input}\`: expected ${expected}`);
    },
  });
}

/** filesArg is the FILE… argument of validate and explain (a command with it sets `static strict = false`). */
export function filesArg(description: string): ArgSpec {
  remember('files', 'one or more files: annotations JSON, an OCI config.json or bundle, or Kubernetes YAML');
  return { name: 'files', required: true, description };
}

/** inputFileOption is a file the command reads; existence is checked when it is read. */
export function inputFileOption(name: string, summary: string) {
  remember(name, 'a readable file');
  return option<string>({ summary, helpValue: '<file>', parse: (input) => input });
}

/** inputDirOption is a directory the command reads: refused at once when there is none (a missing root would fail later, and less clearly). */
export function inputDirOption(name: string, summary: string, expected = 'a directory') {
  remember(name, expected);
  return option<string>({
    summary,
    helpValue: '<dir>',
    parse: (input) => {
      if (!isDir(input)) throw badInput(`--${name} \`${input}\`: expected ${expected}`);
      return input;
    },
  });
}

/** nameOption is a free-form name (a container's). */
export function nameOption(name: string, summary: string) {
  remember(name, 'a name');
  return option<string>({ summary, helpValue: '<name>', parse: (input) => input });
}

/** outputFileOption is a file the command writes (--svg). */
export function outputFileOption(name: string, summary: string) {
  remember(name, 'a file path in an existing directory');
  return option<string>({ summary, helpValue: '<file>', parse: (input) => parseOutputFile(name, input) });
}

/** absolutePathOption is a path on the node, written into a document rather than read here. */
export function absolutePathOption(name: string, summary: string) {
  remember(name, 'an absolute path');
  return option<string>({
    summary,
    helpValue: '<path>',
    parse: (input) => {
      if (!path.posix.isAbsolute(input)) throw badInput(`--${name} \`${input}\`: expected an absolute path`);
      return path.posix.normalize(input);
    },
  });
}

/** oneOfArg is a positional argument that takes one of a fixed list of words. */
export function oneOfArg<T extends string>(name: string, words: readonly T[], description: string): ArgSpec<T> {
  const expected = `one of ${words.join(', ')}`;
  remember(name, expected);
  return {
    name,
    required: true,
    description,
    parse: (input) => {
      if ((words as readonly string[]).includes(input)) return input as T;
      throw badInput(`${name} \`${input}\`: expected ${expected}`);
    },
  };
}

/** vaLimitOption is `vaoci run --va-limit`: any value of the vaoci.io/va-limit annotation. */
export function vaLimitOption() {
  const expected = 'auto, x86_64, i386, none or 0xLOWER-0xUPPER';
  remember('va-limit', expected);
  return option<string>({
    summary: `The window, as the vaoci.io/va-limit annotation takes it (${expected}).`,
    helpValue: '<window>',
    parse: (input) => {
      const v = parseValue('va-limit', input);
      if (!v.ok) throw badInput(`--va-limit \`${input}\`: expected ${v.expected}`);
      return input;
    },
  });
}

/** repeatedOption is a string flag given any number of times (-e, -v, --annotation). */
export function repeatedOption(name: string, char: 'e' | 'v' | undefined, summary: string, expected: string) {
  remember(name, expected);
  return option<string>({ summary, char, multiple: true, default: [], helpValue: '<value>', parse: (input) => input });
}

/** FORMATS are what --format takes: podman's keyword for JSON, or text for a person. Go templates are not taken. */
export const FORMATS = ['json', 'text'] as const;

/** Format is one of FORMATS. */
export type Format = (typeof FORMATS)[number];

/**
 * formatOption is --format of a command that prints a document, as podman's
 * inspect does: JSON unless asked for text. --json still prints JSON (the
 * same document) whatever --format says, as on every vaoci command.
 */
export function formatOption() {
  const expected = 'json or text (Go templates are not supported)';
  remember('format', expected);
  return option<Format>({
    summary: 'Print the document as JSON (the default, as podman inspect) or as text for a person.',
    helpValue: '<json|text>',
    default: 'json',
    parse: (input) => {
      if ((FORMATS as readonly string[]).includes(input)) return input as Format;
      throw badInput(`--format \`${input}\`: expected ${expected}`);
    },
  });
}
