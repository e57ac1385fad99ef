/**
 * oclif's view of the CLI's flags and arguments: options.ts defines each
 * one (free of oclif, so a command started without oclif parses with the
 * same definitions), and these turn them into oclif's flags and args, with
 * the same summary, value name, default and parse function.
 */
import { Args, Flags } from '@oclif/core';
import type { Interfaces } from '@oclif/core';
import {
  type ArgSpec,
  type BooleanSpec,
  type FlagSpec,
  type OptionSpec,
  absolutePathOption,
  benchRowsOption,
  countOption,
  inputDirOption,
  inputFileOption,
  outputFileOption,
  repeatedOption,
  vaLimitOption,
  windowOption,
} from './options';

export * from './options';

/** oclifOption is the oclif flag of an OptionSpec: required when the spec says so. */
export function oclifOption<T>(spec: OptionSpec<T> & { required: true }): Interfaces.OptionFlag<T>;
export function oclifOption<T>(spec: OptionSpec<T>): Interfaces.OptionFlag<T | undefined>;
export function oclifOption<T>(spec: OptionSpec<T>): Interfaces.OptionFlag<T | undefined> {
  const { summary, helpValue, required, char, multiple, options } = spec;
  // the spec is checked by its own type; oclif's overloads (one per multiple/required/default) are not worth spelling out here
  const make = Flags.custom as (defaults: object) => () => Interfaces.OptionFlag<T | undefined>;
  return make({
    summary,
    helpValue,
    char,
    options,
    parse: async (input: string) => spec.parse(input),
    ...(required ? { required: true } : {}),
    ...(spec.default !== undefined ? { default: spec.default as T } : {}),
    ...(multiple ? { multiple: true, multipleNonGreedy: true } : {}),
  })();
}

/** oclifFlag is the oclif flag of any FlagSpec (a lean command's flags, typed loosely: its action types them). */
export function oclifFlag(spec: FlagSpec): Interfaces.Flag<unknown> {
  return spec.kind === 'boolean' ? Flags.boolean({ summary: (spec as BooleanSpec).summary }) : oclifOption(spec);
}

/** oclifFlags turns a record of FlagSpecs into oclif's. */
export function oclifFlags(specs: Record<string, FlagSpec>): Interfaces.FlagInput {
  return Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, oclifFlag(spec)])) as Interfaces.FlagInput;
}

/** oclifArg is the oclif argument of an ArgSpec. */
export function oclifArg<T>(spec: ArgSpec<T>): Interfaces.Arg<T> {
  const { name, required, description } = spec;
  const parse = spec.parse;
  if (!parse) return Args.string({ name, required, description }) as unknown as Interfaces.Arg<T>;
  return Args.custom<T>({ parse: async (input: string) => parse(input) })({ name, required, description }) as Interfaces.Arg<T>;
}

/** oclifArgs turns a record of ArgSpecs into oclif's. */
export function oclifArgs(specs: Record<string, ArgSpec<unknown>>): Interfaces.ArgInput {
  return Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, oclifArg(spec)])) as Interfaces.ArgInput;
}

type Required = { required: true };

/* The builders the oclif-only commands use. A flag that is required or has a default is typed as always set. */
export const windowFlag = (opts: Parameters<typeof windowOption>[0]) => oclifOption(windowOption(opts) as OptionSpec<string> & Required);
export function countFlag(
  name: string,
  min: number,
  max: number,
  summary: string,
  opts: { required: true } | { default: number },
): Interfaces.OptionFlag<number>;
export function countFlag(name: string, min: number, max: number, summary: string): Interfaces.OptionFlag<number | undefined>;
export function countFlag(name: string, min: number, max: number, summary: string, opts: { default?: number; required?: boolean } = {}) {
  return oclifOption(countOption(name, min, max, summary, opts));
}
export const benchRowsFlag = () => oclifOption(benchRowsOption());
export const inputFileFlag = (name: string, summary: string) => oclifOption(inputFileOption(name, summary));
export const inputDirFlag = (name: string, summary: string) => oclifOption(inputDirOption(name, summary));
export const outputFileFlag = (name: string, summary: string) => oclifOption(outputFileOption(name, summary));
export const absolutePathFlag = (name: string, summary: string) => oclifOption(absolutePathOption(name, summary));
export const vaLimitFlag = () => oclifOption(vaLimitOption());
export const repeatedFlag = (...a: Parameters<typeof repeatedOption>) =>
  oclifOption(repeatedOption(...a) as unknown as OptionSpec<string[]> & Required);
