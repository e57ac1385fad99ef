/**
 * Writes oclif.manifest.json at the package root from the compiled commands,
 * as the `oclif manifest` command of the `oclif` dev package does (that
 * package pulls in the AWS SDK to publish tarballs; this is the one step we
 * need). With the manifest, start-up reads one JSON file instead of
 * requiring every command to learn their flags. Each command's compiled
 * path (relativePath, isESM) is left out, so oclif loads the one command
 * that runs from its commands directory: build/ts in production, the
 * TypeScript sources under jest — the tests never run stale compiled code.
 * Run after tsc: `npm run manifest`.
 */
import * as path from 'node:path';
import { Plugin } from '@oclif/core';
import { writeAtomic } from './lib/atomic';

/** writeManifest loads every command of the package at `root` and writes its manifest; returns the command ids. */
export async function writeManifest(root: string): Promise<string[]> {
  const plugin = new Plugin({
    root,
    type: 'core',
    isRoot: true,
    ignoreManifest: true,
    errorOnManifestCreate: true,
    respectNoCacheDefault: true,
  });
  await plugin.load();
  for (const c of Object.values(plugin.manifest.commands)) {
    delete (c as { relativePath?: string[] }).relativePath;
    delete (c as { isESM?: boolean }).isESM;
  }
  writeAtomic(path.join(root, 'oclif.manifest.json'), `${JSON.stringify(plugin.manifest, null, 2)}\n`);
  return Object.keys(plugin.manifest.commands).sort();
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..', '..', '..');
  writeManifest(root).then(
    (ids) => console.log(`oclif.manifest.json: ${ids.length} commands (${ids.join(', ')})`),
    (e: Error) => {
      console.error(`manifest: ${e.message}`);
      process.exit(1);
    },
  );
}
