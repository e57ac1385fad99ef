/**
 * `vaoci run` takes its command line as podman does: flags, IMAGE, then the
 * container's command uninterpreted; --entrypoint, -w, -u, --env-file,
 * --name, --network, --platform, --runtime NAME|PATH; and podman's exit
 * statuses (125 vaoci, 126 cannot invoke, 127 not found, else the
 * container's). The splitter and the parsers as units, then bin/vaoci as
 * root with real runc and crun (crun under this VM's cgroup workaround, as
 * in run-container.test.ts). Needs `make cli`.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Run from '../../cli/src/commands/run';
import { type FlagShape, splitRunArgv } from '../../cli/src/lib/run/argv';
import { runtimeStatus } from '../../cli/src/lib/run/exit';
import { parseEntrypoint, parseEnvFile, parseUserSpec } from '../../cli/src/lib/run/options';
import { validate } from '../../cli/src/lib/schema';
import { ROOT, failureLine } from './cli-helpers';
import { type Entry, imageConfig, layer, tmpDir, writeOciLayout } from './image-fixtures';

const VAOCI = path.join(ROOT, 'bin', 'vaoci');
const work = tmpDir('run-args');
const state = path.join(work, 'state');
jest.setTimeout(120_000);

const FLAGS = { ...Run.flags, json: { type: 'boolean' } } as unknown as Record<string, FlagShape>;

describe('the argv splitter', () => {
  const split = (argv: string[]) => splitRunArgv(argv, FLAGS);

  it('everything after IMAGE is the command, flags of its own included', () => {
    expect(split(['demo', '/bin/sh', '-c', 'exit 3'])).toEqual({ head: ['demo'], command: ['/bin/sh', '-c', 'exit 3'] });
    expect(split(['--rm', 'demo', 'ls', '-l', '/'])).toEqual({ head: ['--rm', 'demo'], command: ['ls', '-l', '/'] });
    expect(split(['demo', 'echo', '--json', '--rm'])).toEqual({ head: ['demo'], command: ['echo', '--json', '--rm'] });
  });

  it("skips the values of the flags that take one, known from the command's own definitions", () => {
    expect(split(['--runtime', 'crun', '-e', 'A=1', '-v', '/x:/y', '--name', 'n', 'img', 'x']).head).toEqual([
      '--runtime',
      'crun',
      '-e',
      'A=1',
      '-v',
      '/x:/y',
      '--name',
      'n',
      'img',
    ]);
    expect(split(['-w', '/tmp', '-u', 'app', '--entrypoint', '', 'img']).command).toEqual([]);
    expect(split(['--env=A', '--runtime=crun', 'img', 'a']).head).toEqual(['--env=A', '--runtime=crun', 'img']);
    expect(split(['--rm', '-i', 'img', 'a']).head).toEqual(['--rm', '-i', 'img']); // booleans take no value
  });

  it('short clusters: a valued flag takes the rest of the cluster, or the next word', () => {
    expect(split(['-it', 'img', 'sh'])).toEqual({ head: ['-it', 'img'], command: ['sh'] });
    expect(split(['-ie', 'A=1', 'img', 'sh'])).toEqual({ head: ['-ie', 'A=1', 'img'], command: ['sh'] });
    expect(split(['-eA=1', 'img', 'sh'])).toEqual({ head: ['-eA=1', 'img'], command: ['sh'] });
  });

  it("`--` before IMAGE ends the flags; after IMAGE it is the command's, as podman 4.3 keeps it", () => {
    expect(split(['--rm', '--', '-odd', 'ls'])).toEqual({ head: ['--rm', '--', '-odd'], command: ['ls'] });
    expect(split(['img', '--', 'ls'])).toEqual({ head: ['img'], command: ['--', 'ls'] });
  });

  it('no IMAGE: all of it goes to oclif, which says IMAGE is missing', () => {
    expect(split(['--rm', '-e', 'A'])).toEqual({ head: ['--rm', '-e', 'A'], command: [] });
    expect(split(['--bogus', 'img', 'x']).head).toEqual(['--bogus', 'img']); // an unknown flag: oclif refuses it
  });
});

const line = failureLine;

describe('the parsers', () => {
  it('--env-file: NAME=VALUE verbatim, # comments, blanks, NAME from the environment, NAME* by prefix', () => {
    const file = path.join(work, 'unit.env');
    fs.writeFileSync(file, '# a comment\n\n  A=1 "2"\nB\nUNSET\nPRE*\nC=x=y\n');
    expect(parseEnvFile(file, { B: 'b', PRE_1: 'p1', PRE_2: 'p2', OTHER: 'o' })).toEqual([
      'A=1 "2"',
      'B=b',
      'PRE_1=p1',
      'PRE_2=p2',
      'C=x=y',
    ]);
    fs.writeFileSync(file, 'OK=1\nBAD NAME=2\n');
    expect(line(() => parseEnvFile(file, {}))).toBe(
      `--env-file \`${file}\` line 2: \`BAD NAME=2\` — expected NAME=VALUE, NAME or a # comment (a variable name: letters, digits, _)`,
    );
    expect(line(() => parseEnvFile(path.join(work, 'none.env')))).toMatch(/^--env-file `.*none\.env`: ENOENT — expected a readable file/);
  });

  it('--entrypoint: "" clears, a JSON array is the argv, anything else one word', () => {
    expect(parseEntrypoint(undefined)).toBeUndefined();
    expect(parseEntrypoint('')).toEqual([]);
    expect(parseEntrypoint('/bin/sh -c')).toEqual(['/bin/sh -c']);
    expect(parseEntrypoint('["/bin/sh","-c"]')).toEqual(['/bin/sh', '-c']);
    expect(line(() => parseEntrypoint('[1]'))).toBe('--entrypoint `[1]`: expected a command, "" for none, or a JSON array of strings');
  });

  it('-u: NAME, UID, UID:GID, NAME:GROUP', () => {
    for (const u of ['app', '1000', '1000:50', 'app:staff']) expect(parseUserSpec(u)).toBe(u);
    expect(line(() => parseUserSpec('a:b:c'))).toBe('-u `a:b:c`: expected NAME, UID, UID:GID or NAME:GROUP');
  });

  it("the runtime's log decides 126, 127 and 125 when it exited 1; the container's own statuses pass", () => {
    const log = path.join(work, 'runtime.log');
    const write = (msg: string) => fs.writeFileSync(log, `${JSON.stringify({ level: 'error', msg, time: 't' })}\n`);
    write('runc run failed: unable to start container process: exec: "nope": executable file not found in $PATH');
    expect(runtimeStatus(1, log)).toBe(127);
    expect(runtimeStatus(3, log)).toBe(3); // the runtime exits 1 when it fails; any other status is the container's
    write('executable file `nope` not found in $PATH: No such file or directory');
    expect(runtimeStatus(1, log)).toBe(127);
    write('runc run failed: unable to start container process: exec: "/etc/passwd": permission denied');
    expect(runtimeStatus(1, log)).toBe(126);
    write('open executable: Permission denied');
    expect(runtimeStatus(1, log)).toBe(126);
    write('vaoci-runtime: vaoci.io/va-limit: value "x" — expected …');
    expect(runtimeStatus(1, log)).toBe(125);
    fs.writeFileSync(log, '{"level":"warning","msg":"exec: \\"x\\": permission denied"}\n');
    expect(runtimeStatus(1, log)).toBe(1);
    expect(runtimeStatus(1, path.join(work, 'no.log'))).toBe(1);
  });
});

interface Ran {
  stdout: string;
  stderr: string;
  code: number;
}

/** vaoci runs bin/vaoci as a child (crun: inside the cgroup workaround). */
function vaoci(args: string[], o: { crun?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  const [cmd, argv] = o.crun
    ? [
        'unshare',
        ['-m', '--propagation', 'private', 'sh', '-c', 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"', 'sh', VAOCI, ...args],
      ]
    : [VAOCI, args];
  const child = spawn(cmd, argv, { env: { ...process.env, ...o.env, VAOCI_STATE: state }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ stdout, stderr, code: code ?? -1 })));
}

/** oneLine: stderr is exactly one line matching `re`. */
function expectOneLine(r: Ran, re: RegExp): void {
  expect(r.stderr.split('\n')).toHaveLength(2);
  expect(r.stderr).toMatch(re);
}

const APPLETS = ['sh', 'ls', 'cat', 'echo', 'id', 'pwd', 'true'];
let img: string; // no Entrypoint, Cmd ["/bin/sh", "-c", "echo from-cmd"], as busybox or debian images are

beforeAll(async () => {
  const entries: Entry[] = [
    { name: 'bin', type: 'directory' },
    { name: 'bin/busybox', content: fs.readFileSync('/bin/busybox'), mode: 0o755 },
    ...APPLETS.map((a): Entry => ({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'etc', type: 'directory' },
    { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n' },
    { name: 'etc/group', content: 'root:x:0:\nstaff:x:50:\napp:x:1001:\n' },
    { name: 'tmp', type: 'directory', mode: 0o1777 },
    { name: 'notexec', content: '#!/bin/sh\necho ran\n', mode: 0o644 },
  ];
  const layers = [await layer(entries)];
  const config = imageConfig(layers, { config: { Cmd: ['/bin/sh', '-c', 'echo from-cmd'], Env: ['PATH=/bin'] } });
  writeOciLayout(path.join(work, 'layout'), [{ layers, config, tag: 'v1', repoTags: [] }]);
  img = `oci:${path.join(work, 'layout')}:v1`;
});

afterAll(async () => {
  const left = JSON.parse((await vaoci(['ps', '--json'])).stdout).containers.map((c: { id: string }) => c.id);
  if (left.length) await vaoci(['rm', '--force', ...left]);
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the command after IMAGE, and the exit statuses', () => {
  it("`run IMAGE /bin/sh -c 'exit 3'` exits 3; `ls -l /` lists", async () => {
    const r = await vaoci(['run', '--rm', img, '/bin/sh', '-c', 'exit 3']);
    expect([r.code, r.stderr]).toEqual([3, '']);
    const ls = await vaoci(['run', '--rm', img, 'ls', '-l', '/']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^-rw-r--r--.* notexec$/m);
    expect(ls.stdout).toMatch(/^d.* etc$/m);
  });

  it("demo: the words follow its Entrypoint, as podman puts them; --entrypoint '' runs them alone", async () => {
    const r = await vaoci(['run', '--rm', '--json', 'demo', '/bin/sh', '-c', 'exit 3']);
    expect(r.code).toBe(0); // the probe ignores words it does not know
    expect(JSON.parse(r.stdout).container.args).toEqual(['/bin/probe', '/bin/sh', '-c', 'exit 3']);
    const alone = await vaoci(['run', '--rm', '--entrypoint', '', 'demo', '/bin/sh', '-c', 'exit 3']);
    expect(alone.code).toBe(3);
  });

  it("--help after IMAGE is the container's (oclif would show vaoci's help); before IMAGE it is vaoci's", async () => {
    const theirs = await vaoci(['run', '--rm', img, '/bin/sh', '-c', 'echo "got $0"; exit 5', '--help']);
    expect([theirs.code, theirs.stdout]).toEqual([5, 'got --help\n']);
    const ours = await vaoci(['run', '--help', img, 'true']);
    expect(ours.code).toBe(0);
    expect(ours.stdout).toMatch(/^USAGE\n {2}\$ vaoci run/m);
  });

  it("a missing command exits 127, a non-executable one 126, each with the runtime's one line", async () => {
    const missing = await vaoci(['run', '--rm', img, 'nope']);
    expect(missing.code).toBe(127);
    expectOneLine(missing, /exec: "nope": executable file not found in \$PATH/);
    const noexec = await vaoci(['run', '--rm', img, '/notexec']);
    expect(noexec.code).toBe(126);
    expectOneLine(noexec, /exec: "\/notexec": permission denied/);
    const dash = await vaoci(['run', '--rm', img, '--', 'true']); // podman 4.3 execs `--` too
    expect(dash.code).toBe(127);
  });

  it("the container's own 1 stays 1, even when it prints what a runtime would", async () => {
    const r = await vaoci(['run', '--rm', img, '/bin/sh', '-c', 'echo \'exec: "x": executable file not found in $PATH\' >&2; exit 1']);
    expect(r.code).toBe(1);
  });

  it("vaoci's own failures exit 125 with one line: a bad flag, a bad value, no such image", async () => {
    const flag = await vaoci(['run', '--bogus', img, 'true']);
    expect(flag.code).toBe(125);
    expectOneLine(flag, /^vaoci run: flag `--bogus`: unknown; expected .*--entrypoint/);
    const value = await vaoci(['run', '--network', 'bridge', img, 'true']);
    expect(value.code).toBe(125);
    expectOneLine(value, /^vaoci run: --network `bridge`: expected none .* or host\n$/);
    const image = await vaoci(['run', `oci:${work}/nowhere`, 'true']);
    expect(image.code).toBe(125);
    expectOneLine(image, /^vaoci run: .*nowhere/);
    const json = await vaoci(['run', '--json', '--platform', 'a/b/c/d', img]);
    expect(json.code).toBe(125);
    expect(JSON.parse(json.stdout).error.message).toBe(
      '--platform `a/b/c/d`: expected OS/ARCH[/VARIANT] such as linux/amd64, or ARCH alone',
    );
  });

  it('--json: the result on stdout even when the command has a --json of its own', async () => {
    const r = await vaoci(['run', '--rm', '--json', img, 'echo', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(validate('cli-run', doc)).toEqual([]);
    expect(doc.container.args).toEqual(['echo', '--json']);
    expect(r.stderr).toBe('--json\n');
    const plain = await vaoci(['run', '--rm', img, 'echo', '--json']);
    expect(plain.stdout).toBe('--json\n');
  });
});

describe('the flags a podman user reaches first', () => {
  it("--entrypoint: replaces the image's and drops its Cmd; a JSON array is an argv", async () => {
    expect((await vaoci(['run', '--rm', img])).stdout).toBe('from-cmd\n');
    expect((await vaoci(['run', '--rm', '--entrypoint', '/bin/echo', img])).stdout).toBe('\n');
    expect((await vaoci(['run', '--rm', '--entrypoint', '/bin/echo', img, 'a', 'b'])).stdout).toBe('a b\n');
    expect((await vaoci(['run', '--rm', '--entrypoint', '["/bin/sh","-c"]', img, 'echo "$0"', 'zero'])).stdout).toBe('zero\n');
  });

  it("-w and -u: the working directory, the user by name (from the image's files), by numbers", async () => {
    const r = await vaoci(['run', '--rm', '-w', '/tmp', '-u', 'app', img, '/bin/sh', '-c', 'pwd; id -u; id -g']);
    expect([r.code, r.stdout]).toEqual([0, '/tmp\n1000\n1001\n']);
    const nums = await vaoci(['run', '--rm', '--user', '7:app', img, '/bin/sh', '-c', 'id -u; id -g']);
    expect(nums.stdout).toBe('7\n1001\n');
    const ghost = await vaoci(['run', '--rm', '-u', 'ghost', img, 'true']);
    expect(ghost.code).toBe(125);
    expectOneLine(ghost, /^vaoci run: -u `ghost`: `ghost` — expected a name in the image's \/etc\/passwd, or a number\n$/);
    const rel = await vaoci(['run', '--rm', '-w', 'tmp', img, 'true']);
    expect([rel.code, rel.stderr]).toEqual([125, 'vaoci run: -w `tmp`: expected an absolute path in the container\n']);
  });

  it('-u NAME is read inside the rootfs: an /etc/passwd symlinked out of it is not followed', async () => {
    const layers = [
      await layer([
        { name: 'bin', type: 'directory' },
        { name: 'bin/busybox', content: fs.readFileSync('/bin/busybox'), mode: 0o755 },
        { name: 'bin/id', type: 'symlink', linkname: 'busybox' },
        { name: 'etc', type: 'directory' },
        { name: 'etc/passwd', type: 'symlink', linkname: '/etc/passwd' },
      ]),
    ];
    const config = imageConfig(layers, { config: { Cmd: ['id', '-u'], Env: ['PATH=/bin'] } });
    writeOciLayout(path.join(work, 'escape'), [{ layers, config, tag: 'v1', repoTags: [] }]);
    // root is in the host's /etc/passwd; through the symlink it would resolve to 0.
    const r = await vaoci(['run', '--rm', '-u', 'root', `oci:${path.join(work, 'escape')}:v1`]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^vaoci run: -u `root`: `root` — expected a name in the image's \/etc\/passwd/);
  });

  it('--env-file: its entries, a NAME from this environment, -e over them', async () => {
    const file = path.join(work, 'app.env');
    fs.writeFileSync(file, '# settings\nA=from-file\nB=from-file\nFROM_HOST\n');
    const r = await vaoci(['run', '--rm', '--env-file', file, '-e', 'B=from-e', img, '/bin/sh', '-c', 'echo "$A $B $FROM_HOST"'], {
      env: { FROM_HOST: 'host-value' },
    });
    expect([r.code, r.stdout]).toEqual([0, 'from-file from-e host-value\n']);
  });

  it('--name: the index knows it (inspect, rm); a second container of that name is refused in one line', async () => {
    const first = await vaoci(['run', '--name', 'web', img, 'true']);
    expect(first.code).toBe(0);
    const again = await vaoci(['run', '--name', 'web', img, 'true']);
    expect(again.code).toBe(125);
    expectOneLine(
      again,
      /^vaoci run: --name `web`: already the name of container [0-9a-f]{12} — expected a name no container in `vaoci ps` has/,
    );
    const ins = await vaoci(['inspect', '--json', 'web']);
    expect(JSON.parse(ins.stdout).container.annotations['io.vaoci.name']).toBe('web');
    expect((await vaoci(['rm', 'web'])).code).toBe(0);
    expect((await vaoci(['run', '--rm', '--name', 'web', img, 'true'])).code).toBe(0); // free again
  });

  it("--network none (the default): only lo inside; host: the host's interfaces", async () => {
    const none = await vaoci(['run', '--rm', '--network', 'none', img, 'ls', '/sys/class/net']);
    expect(none.stdout).toBe('lo\n');
    expect((await vaoci(['run', '--rm', img, 'ls', '/sys/class/net'])).stdout).toBe('lo\n');
    const host = await vaoci(['run', '--rm', '--network', 'host', img, 'ls', '/sys/class/net']);
    expect(host.stdout.split('\n').filter(Boolean).sort()).toEqual(fs.readdirSync('/sys/class/net').sort());
  });

  it.each([
    ['crun', 'crun', '/usr/bin/crun'],
    ['an absolute path', '/usr/bin/crun', '/usr/bin/crun'],
    ['an absolute path to runc', '/usr/sbin/runc', '/usr/sbin/runc'],
  ])('--runtime %s: that runtime runs it, and its exec failures map the same', async (_, runtime, binary) => {
    const crun = binary.endsWith('crun');
    const r = await vaoci(['run', '--rm', '--json', '--runtime', runtime, img, '/bin/sh', '-c', 'exit 5'], { crun });
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stdout).container.runtime).toBe(binary);
    const missing = await vaoci(['run', '--rm', '--runtime', runtime, img, 'nope'], { crun });
    expect(missing.code).toBe(127);
    expectOneLine(missing, crun ? /^executable file `nope` not found in \$PATH/ : /exec: "nope": executable file not found/);
    const noexec = await vaoci(['run', '--rm', '--runtime', runtime, img, '/notexec'], { crun });
    expect(noexec.code).toBe(126);
  });

  it('--runtime: a relative path or a file that is no program is refused in one line', async () => {
    const rel = await vaoci(['run', '--runtime', 'bin/crun', img]);
    expect([rel.code, rel.stderr]).toEqual([
      125,
      'vaoci run: --runtime `bin/crun`: expected runc or crun, or the absolute path of an OCI runtime binary\n',
    ]);
    const notProgram = await vaoci(['run', '--runtime', '/etc/passwd', img]);
    expect(notProgram.code).toBe(125);
    expectOneLine(notProgram, /--runtime `\/etc\/passwd`: not an executable file/);
  });
});
