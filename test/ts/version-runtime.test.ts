/**
 * vaoci-runtime --version with a real runtime (runc or crun, a system test):
 * its own line, then the real runtime's own answer, which is what a
 * runtime's callers expect. Without a node config: version.test.ts.
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

describe('vaoci-runtime --version', () => {
  const dir = tempDir('version');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const runc = ['/usr/sbin/runc', '/usr/bin/runc', '/usr/bin/crun'].find((f) => fs.existsSync(f));

  (runc ? test : test.skip)("its own line, then the real runtime's", () => {
    const config = path.join(dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ runtime: runc }));
    const r = run(built('vaoci-runtime'), ['--version'], { VAOCI_CONFIG: config });
    expect(r.status).toBe(0);
    const [own, ...real] = r.stdout.split('\n');
    expect(own).toBe(`vaoci-runtime/${VERSION} linux-${ARCH}`);
    expect(real[0]).toMatch(/^(runc|crun) version \d/);
    expect(r.stdout).toBe(`${own}\n${run(runc as string, ['--version']).stdout}`);
  });
});
