/**
 * How the vaoci CLI fails: one class, Failure, whose status decides the
 * exit code (0 ok, 1 a check failed, 2 bad input), and oneLine(), which
 * turns oclif's multi-line parse errors into the house's single line
 * naming the flag, the value and what was expected.
 */

/** EXIT names the CLI's documented exit codes. */
export const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;

/**
 * FailureStatus classes a Failure (schemas/cli-error.schema.json):
 * invalid = bad input (a flag value, a file) and missing = the native tool
 * is not built or installed, both exit 2; failed = a check ran and did not
 * hold, tool = vaoci-reserve crashed or printed no valid report, system = a
 * system call failed (writing the SVG), all exit 1.
 */
export type FailureStatus = 'invalid' | 'missing' | 'failed' | 'tool' | 'system';

/**
 * Failure is every error the CLI means to report. `line` is the one line a
 * person reads (oclif rewrites `message` of errors thrown while parsing
 * flags, so `line` is kept apart); `document`, when present, is what
 * `--json` prints instead of a cli-error document: the tool's own report,
 * which already says what went wrong.
 */
export class Failure extends Error {
  readonly line: string;

  constructor(
    line: string,
    readonly status: FailureStatus,
    readonly document?: object,
  ) {
    super(line);
    this.name = 'Failure';
    this.line = line;
  }

  /** exit is the process exit code for this failure. */
  get exit(): 1 | 2 {
    return this.status === 'invalid' || this.status === 'missing' ? EXIT.invalid : EXIT.failed;
  }

  /** withDocument returns the same failure carrying another --json document. */
  withDocument(document: object): Failure {
    return new Failure(this.line, this.status, document);
  }
}

/** badInput is a Failure for a bad flag value or file: exit 2. */
export function badInput(line: string): Failure {
  return new Failure(line, 'invalid');
}

/** CliErrorDocument is what --json prints for a Failure without a document (schemas/cli-error.schema.json). */
export interface CliErrorDocument {
  tool: 'vaoci';
  command: string;
  ok: false;
  error: { status: FailureStatus; message: string };
}

/** errorDocument builds the --json document of a Failure that carries none. */
export function errorDocument(command: string, f: Failure): CliErrorDocument {
  return { tool: 'vaoci', command, ok: false, error: { status: f.status, message: f.line } };
}

/**
 * FlagInfo is what oneLine needs to know about a command's flags: their
 * names and, for a missing value, what was expected.
 */
export interface FlagInfo {
  names: string[];
  expected: (flag: string) => string | undefined;
}

/**
 * toFailure turns anything a command threw into a Failure: a Failure is
 * kept; oclif's parse errors (unknown flag, missing flag or value,
 * unexpected argument) become one `invalid` line; anything else is a bug
 * and is rethrown so its stack is not lost.
 */
export function toFailure(err: unknown, flags: FlagInfo): Failure {
  if (err instanceof Failure) return err;
  const e = err as { message?: string; oclif?: { exit?: number }; code?: string };
  if (!(err instanceof Error) || e.oclif === undefined || e.code === 'EEXIT') throw err;
  return badInput(oneLine(err.message, flags));
}

/** oneLine rewords an oclif parse error message (one problem a line) as the house's single line. */
export function oneLine(message: string, flags: FlagInfo): string {
  const arg = /^Missing \d+ required args?:\n(\S+)/.exec(message);
  if (arg) return missing(arg[1], flags, 'missing').replace(/^--/, '');
  return message
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '') // oclif dims the list of problems (ESC [ … m)
    .replace(/See more help with --help\s*$/, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^The following errors? occurred:$/.test(l) && !/^Parsing --[\w-]+$/.test(l))
    .map((l) => reword(l, flags))
    .join('; ');
}

/** reword turns one of oclif's problem lines into the house's form. */
function reword(line: string, flags: FlagInfo): string {
  const known = flags.names.map((n) => `--${n}`).join(', ');
  let m = /^Nonexistent flags?: (.+)$/.exec(line);
  if (m) return `flag \`${m[1]}\`: unknown; expected ${known || 'no flags'}`;
  m = /^Missing required flag:? -*([\w-]+)$/.exec(line);
  if (m) return missing(m[1], flags, 'missing');
  m = /^Flag --([\w-]+) expects a value$/.exec(line);
  if (m) return missing(m[1], flags, 'missing value');
  m = /^Unexpected arguments?: (.+)$/.exec(line);
  if (m) return `argument \`${m[1]}\`: unexpected; expected flags only (${known})`;
  return line;
}

/** missing phrases a flag given without its value, or not at all. */
function missing(flag: string, flags: FlagInfo, what: string): string {
  const expected = flags.expected(flag);
  return `--${flag}: ${what}${expected ? `; expected ${expected}` : ''}`;
}
