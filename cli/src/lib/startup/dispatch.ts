/**
 * bin/vaoci's way into oclif. oclif's execute() runs Config.load(), whose
 * root plugin reads oclif.manifest.json and then sorts every command with
 * localeCompare — the first call builds ICU's collator, 8–10 ms of every
 * start — and reads the user-plugin file. dispatch() hands execute() a
 * Config whose root plugin it made from the same manifest, unsorted (help
 * sorts what it lists itself), so that everything after it is oclif's own
 * main.run: finding the command, help, topics, the parser, --json, errors
 * and exit codes. It leaves the command line to plain execute() — returns
 * false, having run nothing — for a package.json whose `oclif` holds what
 * this root plugin would not do as oclif's (hooks, plugins…), a missing
 * manifest or one of another version (oclif warns), a user-plugin file
 * (oclif loads those plugins), or VAOCI_STARTUP=oclif (to compare the two,
 * or to rule this path out). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Config, Plugin, execute } from '@oclif/core';
import type { Command, Interfaces } from '@oclif/core';

import { STARTUP_ENV } from '../../lean/main';

export { STARTUP_ENV };

/** Manifest is the part of oclif.manifest.json read here. */
export interface Manifest {
  version: string;
  commands: Record<string, Command.Cached>;
}

/**
 * OCLIF_KEYS are the package.json `oclif` keys that mean the same with
 * manifestPlugin(): Config and main.run read them from package.json either
 * way. Not among them: hooks (the plugin has none), plugins, devPlugins and
 * jitPlugins (not loaded here), flexibleTaxonomy, and any key not known yet.
 */
const OCLIF_KEYS = new Set([
  'bin',
  'dirname',
  'commands',
  'topicSeparator',
  'topics',
  'additionalHelpFlags',
  'additionalVersionFlags',
  'helpOptions',
  'helpClass',
  'theme',
  'exitCodes',
]);

/** fastPackage says whether this package.json and environment allow dispatch(): only keys it knows under `oclif`, commands in a directory. */
export function fastPackage(pjson: Interfaces.PJSON, env: NodeJS.ProcessEnv = process.env): boolean {
  const oclif = pjson.oclif as Record<string, unknown>;
  return env[STARTUP_ENV] !== 'oclif' && typeof oclif.commands === 'string' && Object.keys(oclif).every((k) => OCLIF_KEYS.has(k));
}

/**
 * manifestPlugin is the root plugin as Plugin.load() leaves it for this
 * package.json and manifest, but for the order of `commands`: the
 * manifest's, not sorted. It loads a command as Plugin.load()'s do, with the
 * plugin's own findCommand().
 */
export function manifestPlugin(root: string, pjson: Interfaces.PJSON, manifest: Manifest): Plugin {
  const plugin = new Plugin({ root, isRoot: true, pjson, type: 'core' });
  Object.assign(plugin, {
    type: 'core',
    isRoot: true,
    root,
    pjson,
    flexibleTaxonomy: false,
    moduleType: pjson.type === 'module' ? 'module' : 'commonjs',
    name: pjson.name,
    alias: pjson.name,
    version: pjson.version,
    valid: true,
    hooks: {},
    commandDiscoveryOpts: { strategy: 'pattern', target: pjson.oclif.commands },
    manifest,
    hasManifest: true,
    commandIDs: Object.keys(manifest.commands),
  });
  plugin.commands = Object.entries(manifest.commands).map(([id, c]) => ({
    ...c,
    load: async () => plugin.findCommand(id, { must: true }),
    pluginAlias: plugin.alias,
    pluginType: 'core',
  }));
  return plugin;
}

/**
 * dispatch runs argv with oclif's execute() on a Config made from the
 * manifest and resolves true once execute() is done (output flushed, errors
 * handled and exited as execute() does), or resolves false, having run
 * nothing, for the caller to run plain execute().
 */
export async function dispatch(root: string, argv: string[]): Promise<boolean> {
  const pjson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Interfaces.PJSON;
  if (!fastPackage(pjson)) return false;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(root, 'oclif.manifest.json'), 'utf8')) as Manifest;
  } catch {
    return false; // no manifest: oclif finds the commands itself
  }
  if (manifest.version.split('-')[0] !== pjson.version.split('-')[0]) return false;
  const plugin = manifestPlugin(root, pjson, manifest);
  const config = await Config.load({ root, pjson, plugins: new Map([[plugin.name, plugin]]) });
  if (fs.existsSync(path.join(config.dataDir, 'package.json'))) return false;
  await execute({ args: argv, loadOptions: config });
  return true;
}
