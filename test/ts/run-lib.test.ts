/**
 * The pure parts of `vaoci run`: the command line (-e, -v, --annotation,
 * --va-limit), the process from an image config (user names read inside the
 * rootfs only), the OCI spec, and the index under concurrent writers.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseAnnotations, parseEnv, parseVolume } from '../../cli/src/lib/run/options';
import { containerProcess, mergeEnv, resolveUser } from '../../cli/src/lib/run/process';
import { platformMismatch } from '../../cli/src/lib/run/run';
import { buildSpec } from '../../cli/src/lib/run/spec';
import { type ContainerEntry, StateDir } from '../../cli/src/lib/run/state';
import { validate } from '../../cli/src/lib/schema';
import { ROOT, failureLine } from './cli-helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaoci-run-lib-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const line = failureLine;

describe('the command line', () => {
  it('-e takes NAME=VALUE, or NAME from this environment (absent: skipped)', () => {
    expect(parseEnv(['A=1', 'B=x=y', 'HOMEISH', 'UNSET_Q'], { HOMEISH: '/h' })).toEqual(['A=1', 'B=x=y', 'HOMEISH=/h']);
    expect(line(() => parseEnv(['1A=2']))).toBe('-e `1A=2`: expected NAME=VALUE or NAME (a variable name: letters, digits, _)');
  });

  it('-v takes SRC:DST[:ro|rw] with an existing SRC and an absolute DST', () => {
    expect(parseVolume(`${tmp}:/data:ro`)).toEqual({ source: tmp, destination: '/data', readonly: true });
    expect(parseVolume('.:/w/../x', tmp)).toEqual({ source: tmp, destination: '/x', readonly: false });
    expect(line(() => parseVolume(`${tmp}/nope:/d`))).toBe(`-v \`${tmp}/nope:/d\`: SRC \`${tmp}/nope\` — expected an existing host path`);
    expect(line(() => parseVolume(`${tmp}:data`))).toBe(`-v \`${tmp}:data\`: DST \`data\` — expected an absolute path in the container`);
    expect(line(() => parseVolume(`${tmp}:/d:rx`))).toBe(`-v \`${tmp}:/d:rx\`: expected SRC:DST or SRC:DST:ro (or :rw)`);
  });

  it("--va-limit is vaoci.io/va-limit and wins over --annotation; a bad vaoci.io/ value is the wrapper's line", () => {
    expect(parseAnnotations(['vaoci.io/va-limit=x86_64', 'a=b=c'], 'i386')).toEqual({ 'vaoci.io/va-limit': 'i386', a: 'b=c' });
    expect(line(() => parseAnnotations(['novalue']))).toBe('--annotation `novalue`: expected KEY=VALUE');
    expect(line(() => parseAnnotations(['vaoci.io/va-limit=x86-64']))).toBe(
      'vaoci.io/va-limit: value "x86-64" — expected one of auto, x86_64, i386, none, or 0xLOWER-0xUPPER; did you mean x86_64?',
    );
    expect(parseAnnotations(['vaoci.io/va-limit=x86-64', 'vaoci.io/on-error=warn'])).toHaveProperty(['vaoci.io/on-error'], 'warn');
  });
});

describe('--platform against a single-platform image', () => {
  const amd64 = { config: { architecture: 'amd64', os: 'linux' } };
  it('says nothing when it matches or was not asked, and warns in one line when it does not (podman warns too)', () => {
    expect(platformMismatch(amd64, undefined)).toBeUndefined();
    expect(platformMismatch(amd64, 'linux/amd64')).toBeUndefined();
    expect(platformMismatch(amd64, 'x86_64')).toBeUndefined(); // an alias of amd64
    expect(platformMismatch(amd64, 'linux/386')).toBe(
      'vaoci run: warning: image platform linux/amd64 does not match --platform linux/386; running it anyway (it has no other)',
    );
  });
});

describe('the process', () => {
  const root = path.join(tmp, 'rootfs');
  const host = path.join(tmp, 'host-etc');
  beforeAll(() => {
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n');
    fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nstaff:x:50:\n');
    fs.mkdirSync(host);
    fs.writeFileSync(path.join(host, 'passwd'), 'hostonly:x:4242:4242::/:/bin/sh\n');
  });

  it('Entrypoint + Cmd, or Entrypoint + the command given; Env merged; WorkingDir', () => {
    const image = {
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers' as const, diff_ids: [] },
      config: { Entrypoint: ['/bin/probe'], Cmd: ['--x'], Env: ['PATH=/bin', 'A=1'], WorkingDir: '/w' },
    };
    expect(containerProcess(image, { command: [], env: ['A=2', 'B=3'] }, root)).toEqual({
      args: ['/bin/probe', '--x'],
      env: ['PATH=/bin', 'A=2', 'B=3'],
      cwd: '/w',
      user: { uid: 0, gid: 0 },
    });
    expect(containerProcess(image, { command: ['--y'], env: [] }, root).args).toEqual(['/bin/probe', '--y']);
    const bare = { ...image, config: {} };
    expect(containerProcess(bare, { command: ['sh'], env: [] }, root)).toMatchObject({ cwd: '/', env: [expect.stringMatching(/^PATH=/)] });
    expect(line(() => containerProcess(bare, { command: [], env: [] }, root))).toBe(
      "IMAGE: no Entrypoint or Cmd (the image's or --entrypoint) — expected a command after IMAGE",
    );
    expect(mergeEnv(['A=1'], ['AB=2'])).toEqual(['A=1', 'AB=2']);
  });

  it('User: numbers, names from the rootfs, groups', () => {
    expect(resolveUser('1000', root)).toEqual({ uid: 1000, gid: 1001 });
    expect(resolveUser('app', root)).toEqual({ uid: 1000, gid: 1001 });
    expect(resolveUser('app:staff', root)).toEqual({ uid: 1000, gid: 50 });
    expect(resolveUser('7:8', root)).toEqual({ uid: 7, gid: 8 });
    expect(line(() => resolveUser('nobody', root))).toBe(
      "image User `nobody`: `nobody` — expected a name in the image's /etc/passwd, or a number",
    );
  });

  it('never reads /etc/passwd through a symlink out of the rootfs', () => {
    const evil = path.join(tmp, 'evil');
    fs.mkdirSync(evil);
    fs.symlinkSync(host, path.join(evil, 'etc')); // /etc -> the host's directory
    expect(line(() => resolveUser('hostonly', evil))).toContain('`hostonly` — expected a name');
    fs.mkdirSync(path.join(evil, 'x'));
    fs.symlinkSync('../../../../../../../../..' + host, path.join(evil, 'x', 'etc'));
    expect(line(() => resolveUser('hostonly', path.join(evil, 'x')))).toContain('`hostonly` — expected a name');
  });
});

describe('the spec', () => {
  const proc = { args: ['/bin/sh'], env: ['PATH=/bin'], cwd: '/', user: { uid: 1, gid: 2 } };
  it('namespaces, capabilities, mounts, volumes and annotations', () => {
    const s = buildSpec({
      process: proc,
      terminal: false,
      hostname: 'abc',
      annotations: { 'vaoci.io/va-limit': 'i386' },
      volumes: [{ source: '/srv', destination: '/data', readonly: true }],
    }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(s.root).toEqual({ path: 'rootfs', readonly: false });
    expect(s.process).toMatchObject({ terminal: false, args: ['/bin/sh'], user: { uid: 1, gid: 2 }, noNewPrivileges: true });
    expect(s.process.capabilities.bounding).not.toContain('CAP_SYS_ADMIN');
    expect(s.linux.namespaces.map((n: { type: string }) => n.type)).toEqual(['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']);
    expect(s.mounts.at(-1)).toEqual({ destination: '/data', type: 'bind', source: '/srv', options: ['rbind', 'ro'] });
    expect(s.mounts.map((m: { destination: string }) => m.destination)).toEqual(
      expect.arrayContaining(['/proc', '/dev', '/dev/pts', '/sys']),
    );
    expect(s.annotations).toEqual({ 'vaoci.io/va-limit': 'i386' });
    expect(s.hostname).toBe('abc');
  });
  it('a terminal gets TERM unless the image sets it', () => {
    const s = buildSpec({ process: proc, terminal: true, hostname: 'h', annotations: {}, volumes: [] }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(s.process.env).toEqual(['PATH=/bin', 'TERM=xterm']);
  });
});

describe('the index', () => {
  const entry = (id: string): ContainerEntry => ({
    id,
    image: 'demo',
    config_digest: `sha256:${'a'.repeat(64)}`,
    image_arch: 'amd64',
    runtime: '/usr/bin/runc',
    args: ['/bin/true'],
    annotations: {},
    bundle: `/var/lib/vaoci/containers/${id}`,
    created: '2026-11-25T01:00:00.000Z',
    finished: null,
    status: 'created',
    exit_code: null,
    report: null,
  });

  it('put, list, find by unique prefix; a schema-valid file', () => {
    const s = new StateDir(path.join(tmp, 'state1'));
    expect(s.list()).toEqual([]);
    s.put(entry('aaaa00000001'));
    s.put(entry('aaaa00000002'));
    s.put({ ...entry('bbbb00000003'), status: 'exited', exit_code: 3, finished: '2026-11-25T01:00:01.000Z' });
    expect(s.find('bbbb').exit_code).toBe(3);
    expect(line(() => s.find('aaaa'))).toBe('ID `aaaa`: matches 2 containers — expected a longer prefix');
    expect(line(() => s.find('cc'))).toBe('ID `cc`: no such container — expected an id from `vaoci ps`');
    expect(validate('run-index', JSON.parse(fs.readFileSync(path.join(s.root, 'index.json'), 'utf8')))).toEqual([]);
    expect(() => s.put({ ...entry('nothex'), status: 'created' })).toThrow(/run-index/);
    expect(s.list()).toHaveLength(3); // the refused write changed nothing
  });

  it('a broken index is one line, not a guess', () => {
    const s = new StateDir(path.join(tmp, 'state2'));
    s.ensure();
    fs.writeFileSync(path.join(s.root, 'index.json'), '{"version":1,"containers":[{}]}');
    expect(line(() => s.list())).toMatch(/index\.json` \/containers\/0\/id: missing — expected key "id" \(required\)$/);
  });

  it('8 processes adding 10 entries each at once: all 80 are there', async () => {
    const dir = path.join(tmp, 'state3');
    const mod = path.join(ROOT, 'build/ts/cli/src/lib/run/state.js');
    const script = `const { StateDir } = require(${JSON.stringify(mod)}); const s = new StateDir(${JSON.stringify(dir)});
      const e = ${JSON.stringify(entry('000000000000'))};
      for (let i = 0; i < 10; i++) s.put({ ...e, id: (process.argv[1] + i.toString(16)).padStart(12, '0') });`;
    await Promise.all([...Array(8).keys()].map((w) => promisify(execFile)(process.execPath, ['-e', script, `${w}0`])));
    const ids = new StateDir(dir).list().map((c) => c.id);
    expect(new Set(ids).size).toBe(80);
    expect(fs.existsSync(path.join(dir, 'index.lock'))).toBe(false);
  });
});
