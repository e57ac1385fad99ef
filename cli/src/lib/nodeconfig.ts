/**
 * The node config (/etc/vaoci/config.json) as `vaoci validate` and
 * `vaoci explain` read it: parsed, and checked against
 * schemas/node-config.schema.json with one line per problem.
 */
import * as fs from 'node:fs';
import { badInput } from './errors';
import type { NodeConfig } from './policy';
import { validate } from './schema';

/** NODE_CONFIG is where a node keeps its config. */
export const NODE_CONFIG = '/etc/vaoci/config.json';

/** Checked is a node config and its problems (empty when valid). */
export interface Checked {
  config: NodeConfig;
  problems: string[];
}

/** checkNodeConfig reads and validates a node config; a file that cannot be read or parsed fails (exit 2). */
export function checkNodeConfig(file: string): Checked {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const why = e instanceof SyntaxError ? e.message : ((e as NodeJS.ErrnoException).code ?? String(e));
    throw badInput(`\`${file}\`: cannot read (${why}); expected a node config (schemas/node-config.schema.json)`);
  }
  return { config: doc as NodeConfig, problems: validate('node-config', doc) };
}

/**
 * nodeConfigFor loads the node config a command should use: the file given,
 * else /etc/vaoci/config.json when it exists, else none (built-in defaults).
 * An invalid one fails (exit 2) with its first problem.
 */
export function nodeConfigFor(file: string | undefined, fallback: string = NODE_CONFIG): NodeConfig | undefined {
  const path = file ?? (fs.existsSync(fallback) ? fallback : undefined);
  if (!path) return undefined;
  const { config, problems } = checkNodeConfig(path);
  if (problems.length) throw badInput(`\`${path}\` ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  return config;
}
