/**
 * A command run without oclif: bin/vaoci's fast path (lean/main.ts) loads
 * one command's bundle, which calls runAction. It reads the command line as
 * oclif would (lean/argv.ts) — or returns false, having run nothing, for
 * oclif to take it — parses each value with the flag's own function, runs
 * the action and prints as VaociCommand does: its lines, or with --json
 * the document; a Failure as one line on stderr (or its --json document)
 * and the exit code. oclif's own start-up (~160 modules, 2.5× `node -e 0`
 * before any vaoci code) is what this saves.
 */
import type { Action, Output, Parsed } from '../actions/action';
import { errorDocument, toFailure } from '../lib/errors';
import { expectedFor } from '../lib/options';
import { type Words, readWords } from './argv';
import { writeText } from './write';

/** parseWords applies each flag's and argument's parse function, and the flags' defaults, as oclif's parser does. */
export function parseWords(act: Action, words: Words): Parsed {
  const flags: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(act.flags)) {
    const raw = words.flags.get(name);
    if (spec.kind === 'boolean') {
      if (raw) flags[name] = true;
    } else if (raw === undefined) {
      if (spec.default !== undefined) flags[name] = spec.default;
    } else flags[name] = Array.isArray(raw) ? raw.map((v) => spec.parse(v)) : spec.parse(raw as string);
  }
  if (words.json) flags.json = true;
  const specs = Object.values(act.args);
  const argv = words.positional.map((w, i) => (i < specs.length && specs[i].parse ? specs[i].parse(w) : w));
  const args = Object.fromEntries(specs.map((s, i) => [s.name, argv[i]]));
  return { args, argv, flags };
}

/** runAction runs `act` on `words` and resolves true, or resolves false, having run nothing, for oclif to run the line. */
export async function runAction(act: Action, words: readonly string[], bin = 'vaoci'): Promise<boolean> {
  const read = readWords(act, words);
  if (!read) return false;
  const json = read.json;
  const out: Output = {
    log: (text = '') => {
      if (!json) writeText(1, `${text}\n`);
    },
    logJson: (doc) => writeText(1, `${JSON.stringify(doc, null, 2)}\n`),
    jsonEnabled: () => json,
  };
  try {
    const result = await act.run(parseWords(act, read), out);
    if (result && json) out.logJson(result);
  } catch (err) {
    const failure = toFailure(err, { names: [...Object.keys(act.flags), 'json'], expected: expectedFor });
    const command = act.id.split(':').join(' ');
    if (json) out.logJson(failure.document ?? errorDocument(command, failure));
    else writeText(2, `${bin} ${command}: ${failure.line}\n`);
    process.exitCode = failure.exit;
  }
  return true;
}
