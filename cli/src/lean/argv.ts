/**
 * The command lines a lean command takes (lean/run.ts), read as oclif's
 * parser reads them: `--flag value`, `--flag=value`, boolean flags,
 * repeatable flags, positional arguments, --json anywhere. Anything else —
 * help (-h, --help), short flags, `--`, an unknown or repeated flag, a flag
 * without its value, a missing required flag or argument, an extra word on
 * a strict command — is not read here: readWords returns undefined, having
 * run nothing, and bin/vaoci hands the line to oclif, which answers it (its
 * help, its errors reworded by VaociCommand) exactly as before. So this
 * parser never has to phrase an error of its own.
 */
import type { Action } from '../actions/action';

/** Words is a command line split by readWords: values not yet parsed. */
export interface Words {
  json: boolean;
  /** flags: each given flag's raw value(s); booleans are true. */
  flags: Map<string, string | string[] | true>;
  positional: string[];
}

/** readWords splits `words` against the action's flags and arguments, or returns undefined for oclif to read them. */
export function readWords(act: Pick<Action, 'flags' | 'args' | 'strict'>, words: readonly string[]): Words | undefined {
  const out: Words = { json: false, flags: new Map(), positional: [] };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (!word.startsWith('-')) {
      out.positional.push(word);
      continue;
    }
    if (!word.startsWith('--') || word === '--') return undefined; // -h, short flags, `-`, `--`
    const eq = word.indexOf('=');
    const name = word.slice(2, eq < 0 ? undefined : eq);
    if (name === 'json' && eq < 0 && !out.json) {
      out.json = true;
      continue;
    }
    const spec = Object.hasOwn(act.flags, name) ? act.flags[name] : undefined;
    if (!spec) return undefined; // --help, --version, unknown: oclif's
    if (spec.kind === 'boolean') {
      if (eq >= 0 || out.flags.has(name)) return undefined;
      out.flags.set(name, true);
      continue;
    }
    const value = eq >= 0 ? word.slice(eq + 1) : words[++i];
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    const had = out.flags.get(name);
    if (spec.multiple) out.flags.set(name, [...((had as string[] | undefined) ?? []), value]);
    else if (had !== undefined) return undefined;
    else out.flags.set(name, value);
  }
  const args = Object.values(act.args);
  const required = args.filter((a) => a.required).length;
  if (out.positional.length < required || (act.strict && out.positional.length > args.length)) return undefined;
  for (const [name, spec] of Object.entries(act.flags)) {
    if (spec.kind === 'option' && spec.required && !out.flags.has(name)) return undefined;
  }
  return out;
}
