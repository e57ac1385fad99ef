/**
 * `demo`: the built-in demo image, an OCI layout that `make demo-image`
 * (test/demo-image/build.mjs) writes to build/demo-image in the repository.
 * The repository is found as schema.ts finds schemas/: walking up from
 * here, so it works from the sources and from build/ts alike.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { badInput } from '../errors';
import { findSchemaDir } from '../schema';
import { OciLayoutSource } from './oci-layout';
import type { Platform } from './platform';
import type { ImageSource } from './source';

/** defaultDemoDir is build/demo-image of the repository this code lies in. */
export function defaultDemoDir(): string {
  return path.join(path.dirname(findSchemaDir()), 'build', 'demo-image');
}

/** demoSource is the demo image at `dir` (default: defaultDemoDir()); not built yet is one line saying how to build it. */
export function demoSource(dir: string | undefined, platform: Platform): ImageSource {
  const at = dir ?? defaultDemoDir();
  if (!fs.existsSync(path.join(at, 'oci-layout'))) {
    throw badInput(`image \`demo\`: \`${at}\` holds no OCI layout — expected the demo image built by \`make demo-image\``);
  }
  return new OciLayoutSource('demo', at, undefined, platform);
}
