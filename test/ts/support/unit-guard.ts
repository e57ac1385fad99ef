/**
 * The unit project's guard (jest.config.js runs it before every unit test
 * file). A unit test needs no root, nothing from build/tools, no container
 * runtime and no registry, so `make check` passes on any machine with the
 * C build and node. A test that needs one of those belongs in the system
 * list (SYSTEM in jest.config.js); placed in the unit set by mistake it fails
 * here as it would on a bare machine, instead of passing on one that happens
 * to have the program or root, or skipping itself where it has not:
 * - a program a unit test may not need (SYSTEM_PROGRAMS, or anything under
 *   build/tools) is missing: started directly it fails with ENOENT, as on a
 *   machine without it; named in a shell script, the test throws;
 * - the process reports a non-root uid, as on a developer's machine;
 * - test.skip / describe.skip throw: a unit test has nothing to wait for.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';

// The module object itself (not a namespace copy, which an import gives): its functions are replaced in place.
const childProcess = createRequire(__filename)('node:child_process') as typeof import('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const TOOLS = path.join(ROOT, 'build', 'tools') + path.sep;

/** SYSTEM_PROGRAMS are what only the system lanes have or may use: runtimes, engines, the cluster, mounts, registries. */
const SYSTEM_PROGRAMS = new Set([
  'runc',
  'crun',
  'podman',
  'buildah',
  'skopeo',
  'docker',
  'docker-registry',
  'containerd',
  'ctr',
  'crictl',
  'crio',
  'kubelet',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'helm',
  'etcd',
  'mount',
  'umount',
  'unshare',
  'chroot',
  'nsenter',
  'systemctl',
  'qemu-system-x86_64',
  'qemu-system-aarch64',
]);

/** MISSING is where a refused program is looked for instead: nowhere, so it fails as if not installed. */
const MISSING = '/unit-tests-run-without';

/** refused says whether a unit test may not start `file`: a SYSTEM_PROGRAMS program, or anything under build/tools. */
function refused(file: string): boolean {
  return SYSTEM_PROGRAMS.has(path.basename(file)) || (file.includes('/') && path.resolve(file).startsWith(TOOLS));
}

/** words are a shell script's words that could be commands (good enough to spot `podman …` or `exec runc`). */
function words(script: string): string[] {
  return script.split(/[\s;&|()`$"']+/).filter(Boolean);
}

/** checkScript throws when a shell script names a refused program: it cannot be made to miss it. */
function checkScript(script: string): void {
  const what = words(script).find(refused);
  if (what)
    throw new Error(
      `unit test ran a shell script that starts \`${what}\`: a unit test needs no root, build/tools, runtime or registry — list this file in SYSTEM in jest.config.js`,
    );
}

type Fn = (...a: unknown[]) => unknown;
const GUARDED = ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync'] as const;
const originals = new Map<string, Fn>();
const cp = childProcess as unknown as Record<string, Fn>;

/**
 * guard wraps one child_process function. A refused program directly is
 * started from MISSING instead, so the test sees what a machine without it
 * gives (ENOENT) — code that copes still passes, a test that needs it fails;
 * a shell script naming one throws.
 */
function guard(name: (typeof GUARDED)[number]): Fn {
  const real = cp[name];
  const shellString = name === 'exec' || name === 'execSync';
  return function guarded(this: unknown, ...a: unknown[]) {
    const [file, args] = [String(a[0]), Array.isArray(a[1]) ? (a[1] as unknown[]).map(String) : []];
    if (shellString) checkScript(file);
    else if (['sh', 'bash', 'dash'].includes(path.basename(file)) && args.includes('-c')) checkScript(args[args.indexOf('-c') + 1] ?? '');
    else if (refused(file)) a[0] = path.join(MISSING, path.basename(file));
    return real.apply(this, a);
  };
}

for (const name of GUARDED) {
  originals.set(name, cp[name]);
  cp[name] = guard(name);
}

// child_process is one module for the whole worker: hand it back unwrapped
// once this file's tests are done, in case a system test runs here next.
afterAll(() => {
  for (const [name, fn] of originals) cp[name] = fn;
});

process.getuid = () => 65534;
process.geteuid = () => 65534;

const noSkip = (() => {
  throw new Error('a unit test does not skip (it needs nothing a machine may lack): run it, or list the file in SYSTEM in jest.config.js');
}) as unknown as jest.It & jest.Describe;
Object.assign(noSkip, { each: () => noSkip });
test.skip = noSkip;
it.skip = noSkip;
describe.skip = noSkip;
Object.assign(globalThis, { xit: noSkip, xtest: noSkip, xdescribe: noSkip });
