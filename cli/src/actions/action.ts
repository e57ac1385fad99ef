/**
 * An Action is a command's flags, arguments and body, free of oclif: the
 * oclif command (commands/) runs it after oclif parsed the command line,
 * and bin/vaoci runs it without loading oclif at all (lean/), parsing the
 * same flags with the same functions. Both give the same output, errors and
 * exit codes (test/ts/cli-lean.test.ts runs every one both ways).
 */
import type { ArgSpec, FlagSpec } from '../lib/options';

/** Output is what a body prints through: oclif's Command, or lean/'s stand-in. */
export interface Output {
  /** log prints a line on stdout, unless --json is on. */
  log(text?: string): void;
  /** logJson prints a document on stdout, as --json does. */
  logJson(doc: unknown): void;
  jsonEnabled(): boolean;
}

/** Parsed is a command line as the body sees it: oclif's this.parse() gives the same. */
export interface Parsed {
  args: Record<string, unknown>;
  argv: unknown[];
  flags: Record<string, unknown>;
}

/** Action is one command. `R` is what --json prints on success. */
export interface Action<R = unknown> {
  /** id is oclif's: `node:status`. */
  id: string;
  /** strict false: more words than `args` are taken (oclif's static strict). */
  strict: boolean;
  args: Record<string, ArgSpec<unknown>>;
  flags: Record<string, FlagSpec>;
  run(parsed: Parsed, out: Output): Promise<R>;
}

/** action types an Action's record (a function rather than a bare literal, so each file says what it is). */
export function action<R>(a: Action<R>): Action<R> {
  return a;
}
