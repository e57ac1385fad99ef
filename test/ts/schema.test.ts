/**
 * The contract between the planes: every --json report of the real
 * vaoci-reserve validates against its schema under schemas/, and a broken
 * report gets one line naming the exact key, its value and what was expected.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SCHEMA_BASE_URL, findSchemaDir, schemaId, schemaNames, validate } from '../../cli/src/lib/schema';
import type { BenchResult } from '../../cli/src/lib/reports';

const ROOT = path.resolve(__dirname, '..', '..');
const ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
const TOOL = path.join(ROOT, 'build', ARCH, 'vaoci-reserve');
const PRELOAD = path.join(ROOT, 'build', ARCH, 'libvaoci-preload.so');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reports are checked by schema, not by type
type Json = Record<string, any>;

interface Run {
  status: number | null;
  doc: Json;
  stderr: string;
}

/** reserve runs the tool with --json (through bash when a prefix is given) and parses its report. */
function reserve(args: string[], shellPrefix?: string): Run {
  const r = shellPrefix
    ? spawnSync('bash', ['-c', `${shellPrefix}; exec "$0" "$@"`, TOOL, '--json', ...args], { encoding: 'utf8' })
    : spawnSync(TOOL, ['--json', ...args], { encoding: 'utf8' });
  if (r.error) throw r.error;
  expect(r.stdout.trim().split('\n')).toHaveLength(1); // one JSON object, one line
  return { status: r.status, doc: JSON.parse(r.stdout) as Json, stderr: r.stderr };
}

/** clone deep-copies a report so a test can break it without touching the others. */
function clone(doc: Json): Json {
  return JSON.parse(JSON.stringify(doc)) as Json;
}

/** startReserved starts `cat` with the preload reserving i386; it resolves once main() runs. */
async function startReserved(): Promise<ChildProcess> {
  const child = spawn('cat', [], { env: { ...process.env, LD_PRELOAD: PRELOAD, VAOCI_VA_LIMIT: 'i386' } });
  const echoed = new Promise((resolve, reject) => {
    child.stdout?.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`cat with the preload exited with ${code}`)));
  });
  child.stdin?.write('ready\n'); // echoed back only once main() runs, after the constructor reserved
  await echoed;
  return child;
}

/** runs holds every report of the real tool, made once for all tests below. */
const runs: Record<string, Run> = {};
let reserved: ChildProcess | undefined;

beforeAll(async () => {
  if (!fs.existsSync(TOOL) || !fs.existsSync(PRELOAD)) {
    execFileSync('make', ['-s', `native-${ARCH}`], { cwd: ROOT, stdio: 'inherit' });
  }
  runs.probe = reserve(['probe']);
  runs.check = reserve(['check', '--va-limit', 'i386', '--samples', '50']);
  runs.bench = reserve(['bench', '--runs', '3']);
  runs.crowded = reserve(['bench', '--runs', '3', '--algos', 'gaps', '--dynamic', 'none', '--mappings', '2000']);
  runs.uncrowded = reserve(['bench', '--runs', '3', '--algos', 'gaps', '--dynamic', 'none']);
  runs.crowdedDynamic = reserve(['bench', '--runs', '1', '--mappings', '10']);
  reserved = await startReserved();
  runs.verify = reserve(['verify', '--pid', String(reserved.pid), '--va-limit', 'i386']);
  runs.unreserved = reserve(['verify', '--pid', String(process.pid), '--va-limit', 'i386']);
  runs.failure = reserve(['check', '--va-limit', 'bogus']);
  runs.rlimit = reserve(['check', '--va-limit', 'i386'], 'ulimit -v 67108864');
}, 300_000); // room for a first native build

afterAll(() => {
  reserved?.kill();
});

describe('vaoci-reserve --json reports validate against schemas/', () => {
  test('probe: exit 0, ok, valid', () => {
    const r = runs.probe;
    expect(r.status).toBe(0);
    expect(r.doc).toMatchObject({ tool: 'vaoci-reserve', command: 'probe', arch: ARCH, ok: true });
    expect(BigInt(r.doc.task_size)).toBeGreaterThanOrEqual(1n << BigInt(r.doc.va_bits - 1));
    expect(validate('reserve-probe', r.doc)).toEqual([]);
  });

  test('check --va-limit i386: exit 0, ok, every sample inside, valid', () => {
    const r = runs.check;
    expect(r.status).toBe(0);
    expect(r.doc.ok).toBe(true);
    expect(r.doc.window).toEqual({ text: 'i386', lower: '0x0', upper: '0x100000000', wraps: false });
    expect(r.doc.samples.map((s: Json) => s.kind)).toEqual(['mmap', 'mmap-hint', 'mmap-high', 'shmat', 'mremap']);
    for (const s of r.doc.samples) {
      expect(s.count).toBeGreaterThan(0);
      expect(s.outside).toBe(0);
      expect(s.first_outside).toBeNull();
    }
    expect(r.doc.verify.holds).toBe(true);
    expect(validate('reserve-check', r.doc)).toEqual([]);
  });

  test('bench --runs 3: exit 0, ok, every cell ran 3 times, valid', () => {
    const r = runs.bench;
    expect(r.status).toBe(0);
    expect(r.doc.ok).toBe(true);
    expect(r.doc.results).toHaveLength(12); // 5 algorithms and the floor x static, dynamic
    expect(r.doc.mappings).toBe(0);
    for (const cell of r.doc.results) {
      expect(cell).toMatchObject({ runs: 3, failed: 0 });
      expect(cell.median_ns).toBeGreaterThan(0);
    }
    // The floor makes the same mappings as the default, one call per piece, and is its own 1x. Static:
    // the same binary, so the same bytes; dynamic: the floor's own preload is a little larger.
    for (const process of ['static', 'dynamic']) {
      const known = r.doc.results.find((x: BenchResult) => x.algorithm === 'known' && x.process === process);
      const floor = r.doc.results.find((x: BenchResult) => x.algorithm === 'floor' && x.process === process);
      expect(floor).toMatchObject({ regions: known.regions, times_floor: 1 });
      expect(Math.abs(floor.bytes - known.bytes)).toBeLessThanOrEqual(process === 'static' ? 0 : 4 << 20);
      expect(floor.syscalls_median).toBeLessThan(known.syscalls_median);
      expect(known.times_floor).toBeCloseTo(known.median_ns / floor.median_ns, 6);
    }
    expect(validate('reserve-bench', r.doc)).toEqual([]);
  });

  test('bench --mappings 2000: static rows only, and gaps reads a longer maps file than without, valid', () => {
    const [crowded, uncrowded] = [runs.crowded, runs.uncrowded];
    expect(crowded.status).toBe(0);
    expect(crowded.doc.mappings).toBe(2000);
    expect(crowded.doc.results.map((c: Json) => [c.algorithm, c.process, c.failed])).toEqual([['gaps', 'static', 0]]);
    // 2000 more lines of /proc/self/maps take more read()s: the mappings were really there
    expect(crowded.doc.results[0].syscalls_median).toBeGreaterThan(uncrowded.doc.results[0].syscalls_median);
    expect(validate('reserve-bench', crowded.doc)).toEqual([]);
  });

  test('bench --mappings with a dynamic program: exit 2, one line saying static only, valid', () => {
    const r = runs.crowdedDynamic;
    expect(r.status).toBe(2);
    expect(r.doc.error).toEqual({ status: 'invalid', message: '--mappings: static processes only: add --dynamic none' });
    expect(validate('reserve-bench', r.doc)).toEqual([]);
  });

  test('verify a process the preload reserved: exit 0, holds, valid', () => {
    const r = runs.verify;
    expect(r.status).toBe(0);
    expect(r.doc.ok).toBe(true);
    expect(r.doc.verify).toMatchObject({ pid: reserved?.pid, holds: true, free: { bytes: 0, regions: 0, list: [] } });
    expect(validate('reserve-verify', r.doc)).toEqual([]);
  });

  test('verify a process without a reservation: exit 1, ok false without error, valid', () => {
    const r = runs.unreserved;
    expect(r.status).toBe(1);
    expect(r.doc.ok).toBe(false);
    expect(r.doc).not.toHaveProperty('error');
    expect(r.doc.verify.holds).toBe(false);
    expect(r.doc.verify.free.regions).toBeGreaterThan(0);
    expect(validate('reserve-verify', r.doc)).toEqual([]);
  });

  test('a bogus window: exit 2, status invalid, valid', () => {
    const r = runs.failure;
    expect(r.status).toBe(2);
    expect(r.doc).toEqual({
      tool: 'vaoci-reserve',
      command: 'check',
      arch: ARCH,
      ok: false,
      error: { status: 'invalid', message: expect.stringContaining('`bogus`') },
    });
    expect(r.stderr).toContain('bogus');
    expect(validate('reserve-check', r.doc)).toEqual([]);
  });

  test('RLIMIT_AS of 64 GiB: exit 1, status rlimit-as naming RLIMIT_AS, valid', () => {
    const r = runs.rlimit;
    expect(r.status).toBe(1);
    expect(r.doc.ok).toBe(false);
    expect(r.doc.error.status).toBe('rlimit-as');
    expect(r.doc.error.message).toMatch(/RLIMIT_AS/);
    expect(validate('reserve-check', r.doc)).toEqual([]);
  });
});

describe('vaoci-reserve takes --json anywhere on its line, as vaoci does', () => {
  /** at runs the tool with exactly these words (reserve() puts --json first). */
  const at = (args: string[]) => spawnSync(TOOL, args, { encoding: 'utf8' });

  test.each([
    ['after the command', ['probe', '--json']],
    ["between the command's flags", ['check', '--va-limit', 'i386', '--json', '--samples', '5']],
    ['last', ['check', '--va-limit', 'i386', '--samples', '5', '--json']],
    ['twice', ['--json', 'probe', '--json']],
  ])('%s: one JSON report, exit 0', (_, args) => {
    const r = at(args);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ tool: 'vaoci-reserve', command: args.find((a) => !a.startsWith('-')), ok: true });
  });

  test('a failure after the command is still a JSON report (exit 2)', () => {
    const r = at(['check', '--va-limit', 'bogus', '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { status: 'invalid' } });
  });

  test('without --json anywhere: text', () => {
    expect(at(['probe']).stdout).not.toMatch(/^\{/);
  });
});

/** A broken report: what to break, and the one line validate() must return. */
interface BrokenCase {
  what: string;
  schema: string;
  report: 'probe' | 'check' | 'bench' | 'verify' | 'failure';
  breakIt: (doc: Json) => void;
  line: string | RegExp;
}

const broken: BrokenCase[] = [
  {
    what: 'an address without 0x',
    schema: 'reserve-check',
    report: 'check',
    breakIt: (d) => (d.window.lower = '12'),
    line: '/window/lower: value "12" — expected to match pattern ^0x[0-9a-f]+$',
  },
  {
    what: 'upper-case hex',
    schema: 'reserve-verify',
    report: 'verify',
    breakIt: (d) => (d.verify.floor = '0xABC000'),
    line: '/verify/floor: value "0xABC000" — expected to match pattern ^0x[0-9a-f]+$',
  },
  {
    what: 'a hex inside an array item',
    schema: 'reserve-verify',
    report: 'verify',
    breakIt: (d) => (d.verify.mapped.list[0].end = 4096),
    line: '/verify/mapped/list/0/end: value 4096 — expected type string',
  },
  {
    what: 'a missing nested key',
    schema: 'reserve-check',
    report: 'check',
    breakIt: (d) => delete d.verify.free.bytes,
    line: '/verify/free/bytes: missing — expected key "bytes" (required)',
  },
  {
    what: 'a missing envelope key',
    schema: 'reserve-probe',
    report: 'probe',
    breakIt: (d) => delete d.arch,
    line: '/arch: missing — expected key "arch" (required)',
  },
  {
    what: 'an extra top-level key',
    schema: 'reserve-check',
    report: 'check',
    breakIt: (d) => (d.surprise = 'x'),
    line: '/surprise: value "x" — expected no key "surprise" here (unknown key)',
  },
  {
    what: 'an extra key in an array item',
    schema: 'reserve-check',
    report: 'check',
    breakIt: (d) => (d.samples[2].extra = true),
    line: '/samples/2/extra: value true — expected no key "extra" here (unknown key)',
  },
  {
    what: 'an extra key whose name needs JSON-pointer escaping',
    schema: 'reserve-verify',
    report: 'verify',
    breakIt: (d) => (d.window['a/b~c'] = 1),
    line: '/window/a~1b~0c: value 1 — expected no key "a/b~c" here (unknown key)',
  },
  {
    what: 'a body key in a failure report',
    schema: 'reserve-check',
    report: 'failure',
    breakIt: (d) => (d.window = {}),
    line: '/window: value {} — expected no key "window" here (unknown key)',
  },
  {
    what: 'a wrong algorithm',
    schema: 'reserve-check',
    report: 'check',
    breakIt: (d) => (d.reservation.algorithm = 'fastest'),
    line: '/reservation/algorithm: value "fastest" — expected one of "known", "query", "gaps", "halving", "ladder"',
  },
  {
    what: 'a wrong error status',
    schema: 'reserve-check',
    report: 'failure',
    breakIt: (d) => (d.error.status = 'oops'),
    line:
      '/error/status: value "oops" — expected one of "ok", "invalid", "system", "rlimit-as", "map-count", ' +
      '"nomem", "capacity", "outside", "unsupported"',
  },
  {
    what: 'a wrong arch',
    schema: 'reserve-bench',
    report: 'bench',
    breakIt: (d) => (d.arch = 'riscv64'),
    line: '/arch: value "riscv64" — expected one of "x86_64", "aarch64"',
  },
  {
    what: 'a wrong process kind',
    schema: 'reserve-bench',
    report: 'bench',
    breakIt: (d) => (d.results[1].process = 'hybrid'),
    line: '/results/1/process: value "hybrid" — expected one of "static", "dynamic"',
  },
  {
    what: 'another command’s report',
    schema: 'reserve-check',
    report: 'check',
    breakIt: (d) => (d.command = 'probe'),
    line: '/command: value "probe" — expected "check"',
  },
  {
    what: 'a failure report with ok true',
    schema: 'reserve-check',
    report: 'failure',
    breakIt: (d) => (d.ok = true),
    line: '/ok: value true — expected false',
  },
  {
    what: 'a bad first_outside (one line for both oneOf branches)',
    schema: 'reserve-check',
    report: 'check',
    breakIt: (d) => (d.samples[0].first_outside = '0xZZ'),
    line: '/samples/0/first_outside: value "0xZZ" — expected to match pattern ^0x[0-9a-f]+$, or type null',
  },
  {
    what: 'a limit that is neither bytes nor unlimited',
    schema: 'reserve-probe',
    report: 'probe',
    breakIt: (d) => (d.rlimit_as = -1),
    line: '/rlimit_as: value -1 — expected to be >= 0, or "unlimited"',
  },
  {
    what: 'a long value, cut to 80 characters',
    schema: 'reserve-check',
    report: 'check',
    breakIt: (d) => (d.window.text = 'x'.repeat(200)),
    line: `/window/text: value "${'x'.repeat(78)}… — expected to match pattern ^(x86_64|i386|0x[0-9a-f]+-0x[0-9a-f]+)$`,
  },
];

describe('validate() names the key, the value and what was expected', () => {
  test.each(broken)('$what', ({ schema, report, breakIt, line }) => {
    const doc = runs[report].doc;
    expect(validate(schema, doc)).toEqual([]); // valid before it is broken
    const bad = clone(doc);
    breakIt(bad);
    expect(validate(schema, bad)).toEqual([line]);
  });

  test('several problems give one line each', () => {
    const bad = clone(runs.check.doc);
    bad.window.upper = 'high';
    delete bad.reservation.syscalls;
    expect(validate('reserve-check', bad)).toEqual([
      '/window/upper: value "high" — expected to match pattern ^0x[0-9a-f]+$',
      '/reservation/syscalls: missing — expected key "syscalls" (required)',
    ]);
  });

  test('a full $id works like the short name', () => {
    expect(validate(`${SCHEMA_BASE_URL}reserve-check.schema.json`, { tool: 1 })).toEqual(validate('reserve-check', { tool: 1 }));
    expect(validate('reserve-check', { tool: 1 }).length).toBeGreaterThan(0);
  });

  test('a document that is not an object', () => {
    expect(validate('reserve-probe', [])).toEqual(['/: value [] — expected type object']);
  });

  test('an unknown schema throws', () => {
    expect(() => validate('reserve-nothing', {})).toThrow(/reserve-nothing.*not found/);
  });
});

describe('schemas/ follow the house rules', () => {
  const dir = findSchemaDir(__dirname);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.schema.json'));

  test('every schema is loaded under its own $id', () => {
    expect(schemaNames()).toEqual(files.map((f) => f.replace(/\.schema\.json$/, '')).sort());
    const expected = ['defs', 'reserve-probe', 'reserve-check', 'reserve-bench', 'reserve-verify'];
    expect(schemaNames()).toEqual(expect.arrayContaining(expected));
    for (const f of files) {
      const s = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Json;
      expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(s.$id).toBe(schemaId(f));
    }
  });

  test.each(files)('%s: every property has a description; closed objects', (f) => {
    const problems: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}/${i}`));
      if (!node || typeof node !== 'object') return;
      const n = node as Json;
      if (n.properties && typeof n.properties === 'object') {
        for (const [key, sub] of Object.entries(n.properties as Json)) {
          if (typeof sub?.description !== 'string') problems.push(`${where}/properties/${key}: no description`);
        }
        const composed = 'if' in n || where.endsWith('/if');
        if (!composed && n.additionalProperties !== false) problems.push(`${where}: not additionalProperties false`);
      }
      for (const [key, sub] of Object.entries(n)) if (key !== 'properties') walk(sub, `${where}/${key}`);
      for (const [key, sub] of Object.entries((n.properties ?? {}) as Json)) walk(sub, `${where}/properties/${key}`);
    };
    walk(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')), '#');
    expect(problems).toEqual([]);
  });
});
