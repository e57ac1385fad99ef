/**
 * `vaoci run` end to end, as root, with real runc and crun under vaoci's
 * runtime wrapper: images in both archive formats built here from Debian's
 * busybox-static, whiteouts, the layer cache, exit status, env, volumes,
 * signals, the window held inside the container, ps / inspect / rm, and one
 * clear line for a bad reference or a corrupt archive. crun runs under this
 * VM's cgroup workaround (a private mount namespace without the cgroup2
 * half of its hybrid layout), as in test/hook/lib.sh; a node needs none.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../cli/src/lib/schema';
import { ROOT } from './cli-helpers';
import { type Entry, type Image, imageConfig, layer, tmpDir, writeDockerArchive, writeOciLayout } from './image-fixtures';

const VAOCI = path.join(ROOT, 'bin', 'vaoci');
const work = tmpDir('run');
const state = path.join(work, 'state');
jest.setTimeout(120_000);
afterAll(async () => {
  // Containers kept (no --rm) still have their rootfs mounted: vaoci rm unmounts them.
  const left = JSON.parse((await vaoci(['ps', '--json'])).stdout).containers.map((c: { id: string }) => c.id);
  if (left.length) await vaoci(['rm', '--force', ...left]);
  fs.rmSync(work, { recursive: true, force: true });
});

interface Ran {
  stdout: string;
  stderr: string;
  code: number;
}

/** vaoci runs the CLI as a child (crun: inside the cgroup workaround); `signal` is sent once stdout shows `after`. */
function vaoci(
  args: string[],
  o: { crun?: boolean; signal?: NodeJS.Signals; after?: string; stateDir?: string; input?: string } = {},
): Promise<Ran> {
  const [cmd, argv] = o.crun
    ? [
        'unshare',
        ['-m', '--propagation', 'private', 'sh', '-c', 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"', 'sh', VAOCI, ...args],
      ]
    : [VAOCI, args];
  const child = spawn(cmd, argv, {
    env: { ...process.env, VAOCI_STATE: o.stateDir ?? state },
    stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (o.input !== undefined) child.stdin?.end(o.input);
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout?.on('data', (d) => {
    stdout += d;
    // The signal goes once the container has said `after`: not on a timer, which a busy machine outruns.
    if (o.signal && !sent && o.after && stdout.includes(o.after)) sent = child.kill(o.signal);
  });
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, sig) => resolve({ stdout, stderr, code: code ?? 128 + (sig ? 15 : 0) })));
}

const busybox = fs.readFileSync('/bin/busybox');
const applets = ['sh', 'ls', 'cat', 'echo', 'sleep', 'true'].map((a): Entry => ({
  name: `bin/${a}`,
  type: 'symlink',
  linkname: 'busybox',
}));
let image: Image;
let oci: string;
let archive: string;

beforeAll(async () => {
  const lower = await layer([
    { name: 'bin', type: 'directory' },
    { name: 'bin/busybox', content: busybox, mode: 0o755 },
    ...applets,
    { name: 'data', type: 'directory' },
    { name: 'data/gone', content: 'lower' },
    { name: 'data/kept', content: 'lower' },
    { name: 'opaque', type: 'directory' },
    { name: 'opaque/hidden', content: 'lower' },
  ]);
  const upper = await layer(
    [
      { name: 'data/.wh.gone', content: '' },
      { name: 'opaque/.wh..wh..opq', content: '' },
      { name: 'opaque/new', content: 'upper' },
    ],
    'tar',
  );
  const layers = [lower, upper];
  image = {
    layers,
    config: imageConfig(layers, {
      config: { Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo hello'], Env: ['PATH=/bin', 'FROM_IMAGE=yes'], WorkingDir: '/data' },
    }),
    tag: 'v1',
    repoTags: ['test/app:v1'],
  };
  oci = path.join(work, 'layout');
  writeOciLayout(oci, [image]);
  archive = path.join(work, 'app.tar');
  await writeDockerArchive(archive, [image]);
  fs.mkdirSync(path.join(work, 'vol'));
  fs.writeFileSync(path.join(work, 'vol', 'file'), 'from the host');
});

const SCRIPT =
  'echo "pwd=$(pwd) FOO=$FOO FROM_IMAGE=$FROM_IMAGE"; ls /data; ls /opaque; cat /vol/file; echo; (echo x > /vol/w) 2>/dev/null && echo vol=rw || echo vol=ro; exit 7';

describe.each([
  ['runc', false],
  ['crun', true],
])('vaoci run --runtime %s', (runtime, crun) => {
  it.each([
    ['oci:DIR:TAG', () => `oci:${oci}:v1`],
    ['docker-archive:FILE', () => `docker-archive:${archive}`],
  ])('%s: whiteouts, env, working dir, a read-only volume, the exit status', async (_, ref) => {
    const r = await vaoci(['run', '--runtime', runtime, '--rm', '-e', 'FOO=bar', '-v', `${work}/vol:/vol:ro`, ref(), SCRIPT], { crun });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(7);
    expect(r.stdout.split('\n')).toEqual(['pwd=/data FOO=bar FROM_IMAGE=yes', 'kept', 'new', 'from the host', 'vol=ro', '']);
    expect(fs.existsSync(path.join(work, 'vol', 'w'))).toBe(false);
  });
});

describe('the layer cache', () => {
  it('unpacks on the first run, reuses on the second', async () => {
    const dir = path.join(work, 'state-cache');
    const first = await vaoci(['run', '--rm', '--json', `oci:${oci}:v1`, 'true'], { stateDir: dir });
    const second = await vaoci(['run', '--rm', '--json', `oci:${oci}:v1`, 'true'], { stateDir: dir });
    for (const r of [first, second]) {
      expect(r.code).toBe(0);
      expect(validate('cli-run', JSON.parse(r.stdout))).toEqual([]);
    }
    expect(JSON.parse(first.stdout).layers.map((l: { cached: boolean }) => l.cached)).toEqual([false, false]);
    expect(JSON.parse(second.stdout).layers.map((l: { cached: boolean }) => l.cached)).toEqual([true, true]);
  });
});

describe('the window', () => {
  it('--va-limit i386: every mapping the demo probe gets is below 4 GiB, and the hook says it holds', async () => {
    const svg = path.join(work, 'demo.svg');
    const r = await vaoci(['run', '--json', '--va-limit', 'i386', '--svg', svg, 'demo', '--linger-ms', '1000']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('all below 0x100000000'); // with --json the container's stdout goes to stderr
    const doc = JSON.parse(r.stdout);
    expect(validate('cli-run', doc)).toEqual([]);
    expect(doc.report).toMatchObject({ status: 'holds', window: { text: 'i386' } });
    expect(doc.svg).toBe(svg);
    expect(fs.readFileSync(svg, 'utf8')).toMatch(/<svg[^>]*>[^]*id="verdict"[^>]*>HOLDS/);
    const again = await vaoci(['run', 'demo']); // no window asked on this x86-64 host: untouched
    expect(again.stdout).toMatch(/new mappings at or above 0x100000000/);
    expect(again.stderr).toBe('');
  });
});

describe('ps, inspect, rm', () => {
  it('lists, shows and removes a container and all it held', async () => {
    const dir = path.join(work, 'state-ps');
    const run = await vaoci(['run', '--json', '--va-limit', 'i386', 'demo', '--linger-ms', '300'], { stateDir: dir });
    const id = JSON.parse(run.stdout).container.id as string;
    const ps = await vaoci(['ps', '--json'], { stateDir: dir });
    expect(validate('cli-ps', JSON.parse(ps.stdout))).toEqual([]);
    expect(JSON.parse(ps.stdout).containers).toEqual([expect.objectContaining({ id, status: 'exited', exit_code: 0 })]);
    const table = await vaoci(['ps'], { stateDir: dir });
    expect(table.stdout).toMatch(new RegExp(`^${id}\\s+demo\\s+exited \\(0\\)\\s+i386`, 'm'));
    const ins = await vaoci(['inspect', '--json', id.slice(0, 4)], { stateDir: dir });
    expect(validate('cli-inspect', JSON.parse(ins.stdout))).toEqual([]);
    expect(JSON.parse(ins.stdout).report.status).toBe('holds');
    const bundle = JSON.parse(ins.stdout).container.bundle as string;
    expect(fs.existsSync(path.join(bundle, 'config.json'))).toBe(true);
    const rm = await vaoci(['rm', id], { stateDir: dir });
    expect(rm.code).toBe(0);
    expect(fs.existsSync(bundle)).toBe(false);
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(bundle);
    expect(JSON.parse((await vaoci(['ps', '--json'], { stateDir: dir })).stdout).containers).toEqual([]);
    const gone = await vaoci(['inspect', id], { stateDir: dir });
    expect([gone.code, gone.stderr]).toEqual([2, `vaoci inspect: ID \`${id}\`: no such container — expected an id from \`vaoci ps\`\n`]);
  });
});

describe('signals and bad input', () => {
  it('SIGTERM to vaoci reaches the container, whose status comes back', async () => {
    const r = await vaoci(['run', '--rm', `oci:${oci}:v1`, 'trap "exit 42" TERM; echo up; while :; do sleep 0.1; done'], {
      signal: 'SIGTERM',
      after: 'up\n',
    });
    expect(r.stdout).toBe('up\n');
    expect(r.code).toBe(42);
  });

  it('-i: stdin reaches the container; without it the container reads nothing', async () => {
    const withI = await vaoci(['run', '--rm', '-i', `oci:${oci}:v1`, 'cat'], { input: 'from stdin\n' });
    expect([withI.code, withI.stdout]).toEqual([0, 'from stdin\n']);
    const without = await vaoci(['run', '--rm', `oci:${oci}:v1`, 'cat'], { input: 'from stdin\n' });
    expect([without.code, without.stdout]).toEqual([0, '']);
  });

  it('-t: the container gets a terminal (under script(1), which gives vaoci one)', async () => {
    const line = [VAOCI, 'run', '--rm', '-t', `oci:${oci}:v1`, "'test -t 0 && test -t 1 && echo tty=yes'"].join(' ');
    const r = await new Promise<Ran>((resolve) => {
      const child = spawn('script', ['-qec', line, '/dev/null'], {
        env: { ...process.env, VAOCI_STATE: state },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('close', (code) => resolve({ stdout, stderr: '', code: code ?? 1 }));
    });
    expect(r.stdout).toContain('tty=yes');
    expect(r.code).toBe(0);
    const refused = await vaoci(['run', '--rm', '-t', `oci:${oci}:v1`, 'true']);
    expect([refused.code, refused.stderr]).toEqual([125, 'vaoci run: -t: stdin is not a terminal — expected -t only from a terminal\n']);
  });

  it('a bad reference: one line, exit 125', async () => {
    // (`ftp:thing` would be a registry reference, NAME:TAG, as it is to podman)
    const r = await vaoci(['run', 'no such:image']);
    expect(r.code).toBe(125); // podman's status for its own failures
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^vaoci run: .*no such:image.* expected /);
  });

  it('a corrupt archive: one line, no cache entry, no container', async () => {
    const dir = path.join(work, 'state-corrupt');
    const bad = path.join(work, 'bad');
    writeOciLayout(bad, [image]);
    const blob = path.join(bad, 'blobs', 'sha256', image.layers[0].digest.slice(7));
    const bytes = fs.readFileSync(blob);
    fs.writeFileSync(blob, bytes.subarray(0, bytes.length >> 1)); // a truncated gzip layer
    const r = await vaoci(['run', `oci:${bad}:v1`, 'true'], { stateDir: dir });
    expect(r.code).not.toBe(0);
    expect(r.stderr.split('\n')).toHaveLength(2);
    const layers = path.join(dir, 'cache', 'layers', 'sha256');
    expect(fs.existsSync(layers) ? fs.readdirSync(layers).filter((d) => fs.existsSync(path.join(layers, d, 'fs'))) : []).toEqual([]);
    expect(JSON.parse((await vaoci(['ps', '--json'], { stateDir: dir })).stdout).containers).toEqual([]);
  });
});
