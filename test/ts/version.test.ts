/**
 * Every program answers --version with one line naming itself, vaoci's
 * version (package.json's, compiled into the native ones from a generated
 * header) and the architecture; exit 0. vaoci-runtime's line followed by
 * the real runtime's own answer needs a real runtime: version-runtime.test.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARCH, ROOT, ensureNative, tempDir } from './cli-helpers';

const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
const built = (name: string) => path.join(ROOT, 'build', ARCH, name);
const run = (file: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, ...env } });

beforeAll(() => ensureNative());

test.each(['vaoci-reserve', 'vaoci-launch', 'vaoci-binfmt', 'vaoci-hook', 'vaoci-overlay-marks'])(
  '%s --version: one line, exit 0',
  (name) => {
    const r = run(built(name), ['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${name}/${VERSION} linux-${ARCH}\n`);
    expect(r.stderr).toBe('');
  },
);

test("the chart's appVersion is the version every binary reports", () => {
  expect(fs.readFileSync(path.join(ROOT, 'charts/vaoci/Chart.yaml'), 'utf8')).toContain(`appVersion: "${VERSION}"`);
});

describe('vaoci-runtime --version', () => {
  const dir = tempDir('version');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('without a node config: its own line, the reason on stderr, exit 0', () => {
    const r = run(built('vaoci-runtime'), ['--version'], { VAOCI_CONFIG: path.join(dir, 'missing.json') });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`vaoci-runtime/${VERSION} linux-${ARCH}\n`);
    expect(r.stderr).toMatch(/^vaoci-runtime: the real runtime's version is unknown: node config: open `.*missing\.json`/);
  });
});
