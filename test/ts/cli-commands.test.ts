/**
 * Every vaoci command through oclif's test helper (runCommand): the human
 * output, the --json document and its schema, the exit code (0 ok, 1 a
 * check failed, 2 bad input), and bad flags as one line naming the flag,
 * the value and what was expected.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../cli/src/lib/schema';
import { INSTALLED_TOOL, TOOL_ENV, hostArch, imageTool, locateTool, runTool, toolCandidates } from '../../cli/src/lib/tool';
import { benchArgs } from '../../cli/src/lib/bench';
import { progressBar, watching } from '../../cli/src/lib/progress';
import { Failure } from '../../cli/src/lib/errors';
import { ROOT, TOOL, type Json, ensureNative, fakeReport, fakeTool, realReport, startIdle, tempDir, vaoci } from './cli-helpers';

let reserved: ChildProcess;
let bare: ChildProcess;
let fakes: string;

beforeAll(async () => {
  ensureNative();
  reserved = await startIdle('i386');
  bare = await startIdle();
  fakes = tempDir('fakes');
}, 300_000);

afterAll(() => {
  reserved?.kill();
  bare?.kill();
  fs.rmSync(fakes, { recursive: true, force: true });
});

describe('vaoci probe', () => {
  test('human: a table of the machine, exit 0', async () => {
    const r = await vaoci(['probe']);
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/^vaoci probe: x86_64|aarch64/);
    expect(r.stdout).toMatch(/^ {2}property +value +what it means/m);
    for (const row of ['VA bits', 'page size', 'mmap_min_addr', 'main stack', 'RLIMIT_STACK', 'RLIMIT_AS', 'PROCMAP_QUERY']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${row} `, 'm'));
    }
    expect(r.stderr).toBe('');
  });

  test('--json: the tool’s report, schema-valid, exit 0', async () => {
    const r = await vaoci(['probe', '--json']);
    expect(r.exit).toBe(0);
    expect(r.json).toMatchObject({ tool: 'vaoci-reserve', command: 'probe', ok: true });
    expect(validate('reserve-probe', r.json)).toEqual([]);
  });
});

describe('vaoci reserve check', () => {
  test('human: verdict, cost, a table of samples, exit 0', async () => {
    const r = await vaoci(['reserve', 'check', '--va-limit', 'i386', '--samples', '20']);
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/^vaoci reserve check: window i386 \[0x0, 0x100000000\) holds$/m);
    expect(r.stdout).toMatch(/reserved [\d.]+ TiB in \d+ regions with known: [\d.]+ µs, \d+ syscalls/);
    expect(r.stdout).toMatch(/^ {2}sample +count +outside +refused +first outside$/m);
    expect(r.stdout).toMatch(/^ {2}mmap +20 +0 +0 +-$/m);
    expect(r.stdout).toMatch(/coverage 100\.000%/);
  });

  test('--json with --algo: the tool’s report, schema-valid, exit 0', async () => {
    const r = await vaoci(['reserve', 'check', '--va-limit', 'i386', '--algo', 'gaps', '--samples', '10', '--json']);
    expect(r.exit).toBe(0);
    expect(r.json?.reservation.algorithm).toBe('gaps');
    expect(r.json?.samples[0].count).toBe(10);
    expect(validate('reserve-check', r.json)).toEqual([]);
  });

  test('a window the tool rejects: its line, exit 2; --json prints its failure report', async () => {
    const r = await vaoci(['reserve', 'check', '--va-limit', '0x1001-0x2000']);
    expect(r.exit).toBe(2);
    expect(r.stderr).toBe('vaoci reserve check: va-limit `0x1001-0x2000`: expected 4096-aligned bounds\n');
    const j = await vaoci(['reserve', 'check', '--va-limit', 'bogus', '--json']);
    expect(j.exit).toBe(2);
    expect(j.json).toMatchObject({ tool: 'vaoci-reserve', ok: false, error: { status: 'invalid' } });
    expect(validate('reserve-check', j.json)).toEqual([]);
  });

  test('RLIMIT_AS too small: the tool’s failure, exit 1, naming RLIMIT_AS', async () => {
    const limited = fakeTool(fakes, 'limited', `ulimit -v 67108864; exec '${TOOL}' "$@"`);
    const r = await vaoci(['reserve', 'check', '--va-limit', 'i386'], { [TOOL_ENV]: limited });
    expect(r.exit).toBe(1);
    expect(r.stderr).toMatch(/^vaoci reserve check: .*RLIMIT_AS.*\n$/);
    const j = await vaoci(['reserve', 'check', '--va-limit', 'i386', '--json'], { [TOOL_ENV]: limited });
    expect(j.exit).toBe(1);
    expect(j.json?.error.status).toBe('rlimit-as');
  });

  test('a check that does not hold: the report, then one line, exit 1; --json prints the report', async () => {
    const doc = realReport(['check', '--va-limit', 'i386', '--samples', '5']);
    doc.ok = false;
    doc.samples[1] = { ...doc.samples[1], outside: 3, first_outside: '0x7f0000000000' };
    const tool = fakeReport(fakes, 'outside', doc, 1);
    const r = await vaoci(['reserve', 'check', '--va-limit', 'i386'], { [TOOL_ENV]: tool });
    expect(r.exit).toBe(1);
    expect(r.stdout).toMatch(/window i386 .* DOES NOT HOLD/);
    expect(r.stdout).toMatch(/^ {2}mmap-hint +5 +3 +0 +0x7f0000000000$/m);
    expect(r.stderr).toBe('vaoci reserve check: window i386 does not hold: 3 mmap-hint outside (first at 0x7f0000000000)\n');
    const j = await vaoci(['reserve', 'check', '--va-limit', 'i386', '--json'], { [TOOL_ENV]: tool });
    expect(j.exit).toBe(1);
    expect(j.json).toEqual(doc);
  });
});

describe('vaoci reserve bench', () => {
  test('human: a table with the ratio columns, exit 0, no progress bar off a terminal', async () => {
    const r = await vaoci(['reserve', 'bench', '--runs', '2', '--algos', 'known,gaps,ladder']);
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/^vaoci reserve bench: window i386 \[0x0, 0x100000000\), 2 fresh processes per row$/m);
    expect(r.stdout).toMatch(/^ {2}algorithm +process +median µs +p90 µs +min µs +syscalls +vs ladder +vs gaps +x floor +failed$/m);
    expect(r.stdout).toMatch(/^ {2}known +static +[\d.]+ +[\d.]+ +[\d.]+ +\d+ +[\d.]+x +[\d.]+x +- +0$/m);
    expect(r.stdout).toMatch(/^ {2}ladder +dynamic +.* 1\.00x +[\d.]+x +- +0$/m);
    expect(r.stderr).toBe('');
  });

  test('--json: the tool’s report, schema-valid, one row per algorithm and process kind', async () => {
    const r = await vaoci(['reserve', 'bench', '--runs', '1', '--algos', 'known', '--va-limit', 'x86_64', '--json']);
    expect(r.exit).toBe(0);
    expect(r.json?.results.map((x: Json) => `${x.algorithm}/${x.process}`)).toEqual(['known/static', 'known/dynamic']);
    expect(r.json?.results[0].speedup_vs_ladder).toBeNull();
    expect(validate('reserve-bench', r.json)).toEqual([]);
  });

  test('--algos names the floor too: its rows beside the default, each its times the floor', async () => {
    const r = await vaoci(['reserve', 'bench', '--runs', '1', '--algos', 'known,floor', '--json']);
    expect(r.exit).toBe(0);
    expect(r.json?.results.map((x: Json) => `${x.algorithm}/${x.process}`)).toEqual([
      'known/static',
      'known/dynamic',
      'floor/static',
      'floor/dynamic',
    ]);
    expect(r.json?.results.find((x: Json) => x.algorithm === 'floor').times_floor).toBe(1);
    expect(validate('reserve-bench', r.json)).toEqual([]);
  });

  test('runs that failed: the table, then one line naming the rows, exit 1', async () => {
    const doc = realReport(['bench', '--runs', '1', '--algos', 'known']);
    doc.ok = false;
    doc.results[1].failed = 1;
    const tool = fakeReport(fakes, 'benchfail', doc, 1);
    const r = await vaoci(['reserve', 'bench'], { [TOOL_ENV]: tool });
    expect(r.exit).toBe(1);
    expect(r.stdout).toMatch(/^ {2}known +dynamic .* 1$/m);
    expect(r.stderr).toBe('vaoci reserve bench: runs failed: known/dynamic 1 of 2\n');
  });

  test('the tool’s progress lines reach the callback, one per round', async () => {
    const seen: Array<[number, number]> = [];
    const out = await runTool('bench', ['--runs', '3', '--algos', 'known', '--progress'], { onProgress: (d, t) => seen.push([d, t]) });
    expect(seen).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(out.exit).toBe(0);
  });

  test('--fixed-addresses: every child runs without address randomization (ADDR_NO_RANDOMIZE)', async () => {
    // The "dynamic program" reports its own personality where the bench reads
    // `regions`: 0x0040000 (ADDR_NO_RANDOMIZE) only when the flag was given.
    const prog = path.join(fakes, 'personality.sh');
    fs.writeFileSync(
      prog,
      '#!/bin/sh\nread -r p < /proc/self/personality\necho "{\\"nanoseconds\\":1,\\"syscalls\\":1,\\"bytes\\":1,\\"regions\\":$((0x$p))}" >&2\n',
      { mode: 0o755 },
    );
    const personality = async (extra: string[]) => {
      const out = await runTool('bench', ['--runs', '1', '--algos', 'known', '--dynamic', prog, '--preload', '/dev/null', ...extra]);
      expect(out.exit).toBe(0);
      return (out.report as Json).results.find((x: Json) => x.process === 'dynamic').regions;
    };
    expect(await personality(['--fixed-addresses'])).toBe(0x0040000);
    expect(await personality([])).toBe(0);
  });

  test('--progress is asked of the tool only when a bar is drawn; no bar off a terminal', () => {
    expect(benchArgs({ runs: 5 })).toEqual(['--runs', '5']);
    expect(benchArgs({ window: 'i386', rows: ['known', 'gaps'], progress: true })).toEqual([
      '--va-limit',
      'i386',
      '--algos',
      'known,gaps',
      '--progress',
    ]);
    expect(watching({ isTTY: true }, { isTTY: undefined })).toBe(false);
    expect(watching({ isTTY: true }, { isTTY: true })).toBe(true);
    expect(progressBar('x', false)).toBeUndefined();
    expect(progressBar('x', true)).toBeDefined();
  });
});

describe('vaoci verify', () => {
  test('a process the preload reserved: holds, exit 0; --json is {report, svg: null}', async () => {
    const pid = String(reserved.pid);
    const r = await vaoci(['verify', '--pid', pid, '--va-limit', 'i386']);
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^vaoci verify: pid ${pid} against window i386 \\[0x0, 0x100000000\\) holds$`, 'm'));
    const j = await vaoci(['verify', '--pid', pid, '--va-limit', 'i386', '--json']);
    expect(j.exit).toBe(0);
    expect(j.json).toMatchObject({ report: { command: 'verify', ok: true, verify: { pid: reserved.pid, holds: true } }, svg: null });
    expect(validate('cli-verify', j.json)).toEqual([]);
  });

  test('a process without a reservation: the free gaps, then one line, exit 1', async () => {
    const pid = String(bare.pid);
    const r = await vaoci(['verify', '--pid', pid, '--va-limit', 'i386']);
    expect(r.exit).toBe(1);
    expect(r.stdout).toMatch(/DOES NOT HOLD/);
    expect(r.stdout).toMatch(/^ {2}free: 0x100000000-0x[0-9a-f]+ \([\d.]+ [KMGT]iB\)$/m);
    expect(r.stderr).toMatch(
      new RegExp(`^vaoci verify: pid ${pid}: window i386 does not hold: [\\d.]+ TiB free outside it in \\d+ gaps\\n$`),
    );
    const j = await vaoci(['verify', '--pid', pid, '--va-limit', 'i386', '--json']);
    expect(j.exit).toBe(1);
    expect(j.json?.report.ok).toBe(false);
    expect(validate('cli-verify', j.json)).toEqual([]);
  });

  test('a process that is not there: exit 2, one line naming the pid', async () => {
    const r = await vaoci(['verify', '--pid', '4194303', '--va-limit', 'i386']);
    expect(r.exit).toBe(2);
    expect(r.stderr).toBe("vaoci verify: --pid `4194303`: no such process; expected a running process's id\n");
  });

  test('a maps file the tool cannot open: its failure report inside {report, svg: null}, exit 1', async () => {
    const doc = {
      tool: 'vaoci-reserve',
      command: 'verify',
      arch: realReport(['probe']).arch,
      ok: false,
      error: { status: 'system', message: 'open `/proc/1/maps` (errno 13)' },
    };
    const tool = fakeReport(fakes, 'eacces', doc, 1);
    const j = await vaoci(['verify', '--pid', '1', '--va-limit', 'i386', '--json'], { [TOOL_ENV]: tool });
    expect(j.exit).toBe(1);
    expect(j.json).toEqual({ report: doc, svg: null });
    expect(validate('cli-verify', j.json)).toEqual([]);
    const r = await vaoci(['verify', '--pid', '1', '--va-limit', 'i386'], { [TOOL_ENV]: tool });
    expect(r.stderr).toBe('vaoci verify: open `/proc/1/maps` (errno 13)\n');
  });
});

/** A bad command line: its arguments and the one line it must print. */
interface BadFlag {
  args: string[];
  line: string;
}

const badFlags: BadFlag[] = [
  {
    args: ['reserve', 'check', '--va-limit', 'i386', '--samples', '0'],
    line: 'vaoci reserve check: --samples `0`: expected a whole number from 1 to 1000000',
  },
  {
    args: ['reserve', 'check', '--va-limit', 'i386', '--samples', '1e3'],
    line: 'vaoci reserve check: --samples `1e3`: expected a whole number from 1 to 1000000',
  },
  {
    args: ['reserve', 'check', '--va-limit', 'i386', '--algo', 'fastest'],
    line: 'vaoci reserve check: --algo: algorithm `fastest`: expected known, query, gaps, halving or ladder',
  },
  { args: ['reserve', 'check'], line: 'vaoci reserve check: --va-limit: missing; expected x86_64, i386 or 0xLOWER-0xUPPER' },
  {
    args: ['reserve', 'check', '--va-limit'],
    line: 'vaoci reserve check: --va-limit: missing value; expected x86_64, i386 or 0xLOWER-0xUPPER',
  },
  {
    args: ['reserve', 'check', '--va-limit', 'i386', '--runs', '3'],
    line: 'vaoci reserve check: flag `--runs`: unknown; expected --va-limit, --algo, --samples, --json',
  },
  {
    args: ['reserve', 'check', '--va-limit', 'i386', 'extra'],
    line: 'vaoci reserve check: argument `extra`: unexpected; expected flags only (--va-limit, --algo, --samples, --json)',
  },
  {
    args: ['reserve', 'bench', '--runs', '100001'],
    line: 'vaoci reserve bench: --runs `100001`: expected a whole number from 1 to 100000',
  },
  {
    args: ['reserve', 'bench', '--algos', 'known,foo'],
    line: 'vaoci reserve bench: --algos: row `foo`: expected known, query, gaps, halving, ladder or floor',
  },
  {
    args: ['reserve', 'bench', '--algos', 'gaps,gaps'],
    line: 'vaoci reserve bench: --algos: row `gaps` twice: expected each at most once',
  },
  { args: ['verify', '--pid', 'abc', '--va-limit', 'i386'], line: 'vaoci verify: --pid `abc`: expected a whole number from 1 to 4194304' },
  { args: ['verify', '--pid', '-5', '--va-limit', 'i386'], line: 'vaoci verify: --pid `-5`: expected a whole number from 1 to 4194304' },
  {
    args: ['verify'],
    line: 'vaoci verify: --pid: missing; expected a whole number from 1 to 4194304; --va-limit: missing; expected x86_64, i386 or 0xLOWER-0xUPPER',
  },
  {
    args: ['verify', '--pid', '1', '--va-limit', 'i386', '--svg', '/nonexistent/dir/x.svg'],
    line: 'vaoci verify: --svg `/nonexistent/dir/x.svg`: expected a file path in an existing directory',
  },
  {
    args: ['verify', '--pid', '1', '--va-limit', 'i386', '--svg', '/tmp'],
    line: 'vaoci verify: --svg `/tmp`: expected a file path in an existing directory',
  },
  { args: ['probe', '--va-limit', 'i386'], line: 'vaoci probe: flag `--va-limit`: unknown; expected --json' },
];

describe('bad flags: one line naming the flag, the value and what was expected; exit 2', () => {
  test.each(badFlags)('$args', async ({ args, line }) => {
    const r = await vaoci(args);
    expect({ exit: r.exit, stderr: r.stderr, stdout: r.stdout }).toEqual({ exit: 2, stderr: `${line}\n`, stdout: '' });
  });

  test.each(badFlags)('--json $args: a cli-error document', async ({ args, line }) => {
    const r = await vaoci([...args, '--json']);
    expect(r.exit).toBe(2);
    const command = line.slice('vaoci '.length, line.indexOf(':'));
    const message = line.slice(line.indexOf(': ') + 2);
    // a missing --va-limit value swallows the trailing --json as its value: the tool then rejects "--json"
    if (args[args.length - 1] === '--va-limit') return;
    expect(r.json).toEqual({ tool: 'vaoci', command, ok: false, error: { status: 'invalid', message } });
    expect(validate('cli-error', r.json)).toEqual([]);
  });
});

describe('finding the native tool', () => {
  test('a missing tool: one line naming the path and make build, exit 2', async () => {
    const r = await vaoci(['probe'], { [TOOL_ENV]: '/nowhere/vaoci-reserve' });
    expect(r.exit).toBe(2);
    expect(r.stderr).toBe('vaoci probe: vaoci-reserve: not found at `/nowhere/vaoci-reserve`; run `make build` (or set VAOCI_RESERVE)\n');
    const j = await vaoci(['probe', '--json'], { [TOOL_ENV]: '/nowhere/vaoci-reserve' });
    expect(j.json).toMatchObject({ tool: 'vaoci', command: 'probe', ok: false, error: { status: 'missing' } });
    expect(validate('cli-error', j.json)).toEqual([]);
  });

  test('looked for in build/ARCH of the repository, then /opt/vaoci/bin', () => {
    expect(toolCandidates({}, ROOT)).toEqual([TOOL, INSTALLED_TOOL, imageTool()]);
    expect(toolCandidates({ [TOOL_ENV]: 'x/y' }, ROOT)).toEqual([path.resolve('x/y')]);
    expect(locateTool(toolCandidates({}, ROOT))).toBe(TOOL);
    expect(() => locateTool(['/a/b', '/c/d'])).toThrow('vaoci-reserve: not found at `/a/b` or `/c/d`; run `make build`');
    expect(hostArch('x64')).toBe('x86_64');
    expect(hostArch('arm64')).toBe('aarch64');
    expect(() => hostArch('riscv64')).toThrow(Failure);
  });

  test.each([
    ['prints no JSON', 'echo hello; exit 0', /^vaoci probe: vaoci-reserve probe: no JSON report \(exit 0\): hello$/],
    [
      'prints a report that breaks its schema',
      `echo '{"tool":"vaoci-reserve"}'`,
      /^vaoci probe: vaoci-reserve probe: report breaks schemas\/reserve-probe\.schema\.json: \/command: missing .* \(and \d+ more\)$/,
    ],
    ['dies of a signal', 'kill -9 $$', /^vaoci probe: vaoci-reserve probe: killed by SIGKILL$/],
  ])('a tool that %s: one line, exit 1', async (name, body, line) => {
    const tool = fakeTool(fakes, name.replace(/\W+/g, '-'), body);
    const r = await vaoci(['probe'], { [TOOL_ENV]: tool });
    expect(r.exit).toBe(1);
    expect(r.stderr.trimEnd()).toMatch(line);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });
});
