/**
 * vaoci's version: package.json's, the one source every part takes it from
 * (bin/vaoci --version, the C binaries' header generated at build time, the
 * chart's appVersion kept equal by test/ts/chart.test.ts). Read once from the
 * package.json beside the running code, in this repository and in the image.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './tool';

let cached: string | undefined;

/** vaociVersion is package.json's version ("0.0.0"). */
export function vaociVersion(): string {
  if (cached === undefined) {
    const root = repoRoot();
    const pjson = root ? (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }) : {};
    cached = pjson.version ?? 'unknown';
  }
  return cached;
}

/** labelValue makes a version fit a Kubernetes label value (semver's `+build` is not allowed there: `_`). */
export function labelValue(version: string): string {
  return version
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
