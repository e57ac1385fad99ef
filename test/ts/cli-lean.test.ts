/**
 * bin/vaoci's lean path (cli/src/lean): a command with an action runs from
 * its own bundle without oclif. Every line here runs twice — as a user runs
 * it, and with VAOCI_STARTUP=oclif (every line through oclif) — and must
 * print the same stdout and stderr and exit the same. A third run, with
 * Node's --require of a probe that records at exit whether @oclif/core was
 * ever loaded, proves which path each line took: the lines a lean command
 * reads itself never load oclif, and the ones it leaves to oclif (help,
 * errors of the command line) do, except help oclif rendered before, which
 * is printed from the user's cache (lean/help-cache.ts). Needs `make cli`
 * (make check builds it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helpKey, isHelpLine } from '../../cli/src/lean/help-cache';
import { BundleLoader } from '../../cli/src/lean/load';
import { STARTUP_ENV, leanFile } from '../../cli/src/lean/main';
import { keep, keptFile, readKept } from '../../cli/src/lib/startup/kept';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'vaoci');
const LIB = path.join(ROOT, 'build', 'ts', 'cli', 'src', 'lib');
const POD = path.join(ROOT, 'test', 'bench', 'pod.yaml');

let tmp: string;
let state: string;
let hostRoot: string;
let probe: string;

beforeAll(() => {
  if (!fs.existsSync(path.join(LIB, 'lean-validate.js'))) throw new Error('no lean bundles: run `make cli` first');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaoci-lean-'));
  state = path.join(tmp, 'state');
  hostRoot = path.join(tmp, 'host');
  fs.mkdirSync(hostRoot);
  probe = path.join(tmp, 'oclif-probe.js');
  // At exit, writes whether any module of @oclif/core was loaded into the file OCLIF_PROBE_OUT names.
  fs.writeFileSync(
    probe,
    `process.on('exit', () => require('node:fs').writeFileSync(process.env.OCLIF_PROBE_OUT,
      String(Object.keys(require.cache).some((m) => m.includes('/@oclif/core/')))));\n`,
  );
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Ran {
  stdout: string;
  stderr: string;
  status: number | null;
}

function run(args: string[], env: Record<string, string> = {}): Ran {
  const r = spawnSync(BIN, args, {
    cwd: ROOT,
    encoding: 'utf8',
    input: '',
    env: { ...process.env, VAOCI_STATE: state, NODE_OPTIONS: '', ...env },
  });
  // the stack's address moves from run to run (ASLR): probe prints it
  const unmoved = (text: string): string => text.replace(/0x7ff[0-9a-f]{9}/g, '0x7ff…');
  return { stdout: unmoved(r.stdout), stderr: r.stderr, status: r.status };
}

/** loadedOclif runs args with the probe and says whether @oclif/core was loaded. */
function loadedOclif(args: string[], env: Record<string, string> = {}): boolean {
  const out = path.join(tmp, 'probe-out');
  fs.rmSync(out, { force: true });
  run(args, { NODE_OPTIONS: `--require ${probe}`, OCLIF_PROBE_OUT: out, ...env });
  return fs.readFileSync(out, 'utf8') === 'true';
}

/** freshTmp is an empty TMPDIR: its user cache directory (startup/compile-cache.ts) holds no kept help yet. */
function freshTmp(): string {
  return fs.mkdtempSync(path.join(tmp, 'tmpdir-'));
}

/** keptHelp lists the help files kept under a TMPDIR's cache directory. */
function keptHelp(tmpdir: string): string[] {
  // by name, not by this process's uid: jest's workers may see another uid than the CLI they spawn
  return fs
    .readdirSync(tmpdir)
    .filter((d) => d.startsWith('vaoci-compile-cache-'))
    .flatMap((d) => fs.readdirSync(path.join(tmpdir, d)).filter((f) => f.startsWith('help-')));
}

const host = (): string => hostRoot;

/** LEAN are lines a lean command reads itself: results, and failures of a value, a file or the tool. */
const LEAN: [string, () => string[]][] = [
  ['validate, text', () => ['validate', POD]],
  ['validate --json', () => ['validate', '--json', POD]],
  ['validate, a missing node config', () => ['validate', POD, '--node-config', '/nonexistent']],
  ['validate, --flag=value', () => ['validate', `--node-config=/nonexistent`, POD]],
  ['validate --json, a missing file', () => ['validate', '--json', '/nonexistent.yaml']],
  ['explain', () => ['explain', POD, '--guest-arch', 'x86_64']],
  [
    'explain --json, a node of labels',
    () => ['explain', '--json', POD, '--node-labels', 'kubernetes.io/arch=arm64', '--node-arch', 'arm64'],
  ],
  ['explain, a bad --guest-arch', () => ['explain', POD, '--guest-arch', 'sparc']],
  ['explain --json, a bad --node-arch', () => ['explain', POD, '--json', '--node-arch', 'mips']],
  ['hooks', () => ['hooks', 'precreate']],
  ['hooks --json, paths', () => ['hooks', 'poststart', '--json', '--prefix', '/usr/local/vaoci', '--node-config', '/etc/x//y.json']],
  ['hooks, a bad stage', () => ['hooks', 'prestart']],
  ['hooks, a relative --prefix', () => ['hooks', 'precreate', '--prefix', 'opt/vaoci']],
  ['ps', () => ['ps']],
  ['ps --json', () => ['ps', '--json']],
  ['images --json', () => ['images', '--json']],
  ['inspect, no such container', () => ['inspect', 'abc123']],
  ['inspect --json, no such container', () => ['inspect', 'abc123', '--json', '--format', 'text']],
  ['inspect, a bad --format', () => ['inspect', 'abc123', '--format', 'yaml']],
  ['verify, a bad --pid', () => ['verify', '--pid', '0', '--va-limit', 'i386']],
  ['verify --json, an empty --va-limit', () => ['verify', '--json', '--pid', '1', '--va-limit=  ']],
  ['reserve check, a bad window (the tool says)', () => ['reserve', 'check', '--va-limit', 'bogus']],
  ['reserve check --json, a bad --samples', () => ['reserve', 'check', '--json', '--va-limit', 'i386', '--samples', '0']],
  ['node status --json, nothing installed', () => ['node', 'status', '--json', '--host-root', host()]],
  ['probe', () => ['probe']],
  ['doctor --json, an empty node', () => ['doctor', '--json', '--host-root', host()]],
];

/** OCLIF are lines a lean command leaves to oclif: help and errors of the command line itself. */
const OCLIF: [string, () => string[]][] = [
  ['--help', () => ['validate', '--help']],
  ['-h', () => ['ps', '-h']],
  ['no files', () => ['validate']],
  ['an unknown flag', () => ['validate', '--bogus', POD]],
  ['a flag without its value', () => ['explain', POD, '--guest-arch']],
  ['a flag given twice', () => ['explain', POD, '--guest-arch', 'x86_64', '--guest-arch', 'i386']],
  ['`--`', () => ['validate', '--', POD]],
  ['a missing required flag', () => ['verify', '--pid', '1']],
  ['an extra argument', () => ['ps', 'extra']],
  ['a missing argument', () => ['inspect']],
  ['a topic', () => ['node']],
  ['a command without an action', () => ['rm', '--bogus']],
];

describe('lean and oclif: the same stdout, stderr and exit', () => {
  test.each([...LEAN, ...OCLIF])('%s', (_name, args) => {
    const lean = run(args());
    expect(lean.status).not.toBeNull();
    expect(lean).toEqual(run(args(), { [STARTUP_ENV]: 'oclif' }));
  });
});

describe('which path each line takes', () => {
  test.each(LEAN)('lean, oclif never loaded: %s', (_name, args) => {
    expect(loadedOclif(args())).toBe(false);
  });
  test.each(OCLIF)('left to oclif (no help kept yet): %s', (_name, args) => {
    expect(loadedOclif(args(), { TMPDIR: freshTmp() })).toBe(true);
  });
  test('VAOCI_CONTENT_TYPE=json (oclif turns --json on) leaves a lean line to oclif, before any bundle loads', () => {
    const out = path.join(tmp, 'probe-out');
    const env = { VAOCI_CONTENT_TYPE: 'json' };
    const ran = run(['ps'], { NODE_OPTIONS: `--require ${probe}`, OCLIF_PROBE_OUT: out, ...env });
    expect(fs.readFileSync(out, 'utf8')).toBe('true');
    expect(JSON.parse(ran.stdout)).toEqual({ containers: [] });
    expect(ran).toEqual(run(['ps'], { ...env, [STARTUP_ENV]: 'oclif' }));
  });
  test('VAOCI_STARTUP=oclif takes oclif for a lean line too', () => {
    const out = path.join(tmp, 'probe-out');
    run(['ps'], { NODE_OPTIONS: `--require ${probe}`, OCLIF_PROBE_OUT: out, [STARTUP_ENV]: 'oclif' });
    expect(fs.readFileSync(out, 'utf8')).toBe('true');
  });
});

describe('doctor, its answers kept: nothing spawned, child_process never loaded', () => {
  test('the first run asks the tool (and the engine); the next one prints the same without loading child_process', () => {
    const spawnProbe = path.join(tmp, 'child-probe.js');
    fs.writeFileSync(
      spawnProbe,
      `process.on('exit', () => require('node:fs').writeFileSync(process.env.CHILD_PROBE_OUT,
        String(process.moduleLoadList.includes('NativeModule child_process'))));\n`,
    );
    const out = path.join(tmp, 'child-probe-out');
    const TMPDIR = freshTmp();
    const doctor = () => {
      const r = run(['doctor', '--json'], { TMPDIR, NODE_OPTIONS: `--require ${spawnProbe}`, CHILD_PROBE_OUT: out });
      return { ...r, childProcess: fs.readFileSync(out, 'utf8') === 'true' };
    };
    const first = doctor();
    expect(first.childProcess).toBe(true);
    // the cache directory is the CLI's uid's (the unit guard fakes this process's)
    const [cacheDir] = fs.readdirSync(TMPDIR).filter((f) => f.startsWith('vaoci-compile-cache-'));
    expect(fs.readdirSync(path.join(TMPDIR, cacheDir)).filter((f) => f.startsWith('probe-'))).toHaveLength(1);
    const second = doctor();
    expect(second.childProcess).toBe(false);
    expect(JSON.parse(second.stdout)).toEqual(JSON.parse(first.stdout));
    expect(second.status).toBe(first.status);
  });
});

describe('help, kept: oclif renders it once, later runs print it without oclif', () => {
  test.each([['--help'], ['validate', '--help'], ['node', 'status', '--help'], ['node', '-h']])('%s', (...args) => {
    const TMPDIR = freshTmp();
    const byOclif = run(args, { [STARTUP_ENV]: 'oclif' });
    expect([byOclif.status, byOclif.stderr]).toEqual([0, '']);
    expect(loadedOclif(args, { TMPDIR })).toBe(true);
    expect(keptHelp(TMPDIR)).toHaveLength(1);
    expect(loadedOclif(args, { TMPDIR })).toBe(false);
    expect(run(args, { TMPDIR })).toEqual(byOclif);
  });

  test('another terminal width is another key: rendered by oclif again, each kept apart', () => {
    const TMPDIR = freshTmp();
    const narrow = { TMPDIR, OCLIF_COLUMNS: '40' };
    expect(loadedOclif(['--help'], { TMPDIR })).toBe(true);
    expect(loadedOclif(['--help'], narrow)).toBe(true);
    expect(loadedOclif(['--help'], narrow)).toBe(false);
    expect(keptHelp(TMPDIR)).toHaveLength(2);
    expect(run(['--help'], narrow)).toEqual(run(['--help'], { OCLIF_COLUMNS: '40', [STARTUP_ENV]: 'oclif' }));
    expect(run(['--help'], narrow).stdout).not.toEqual(run(['--help'], { TMPDIR }).stdout);
  });

  test('a help line oclif fails (an unknown command) is not kept', () => {
    const TMPDIR = freshTmp();
    const r = run(['bogus', '--help'], { TMPDIR });
    expect(r.status).not.toBe(0);
    expect(keptHelp(TMPDIR)).toEqual([]);
  });

  test('which lines are plainly help', () => {
    expect(isHelpLine(['--help'])).toBe(true);
    expect(isHelpLine(['node', 'agent', '-h'])).toBe(true);
    expect(isHelpLine(['help', 'validate'])).toBe(false); // no help command here
    expect(isHelpLine([])).toBe(false);
    expect(isHelpLine(['validate', 'x.yaml', '--help'])).toBe(false);
    expect(isHelpLine(['validate', '--json', '--help'])).toBe(false);
    expect(isHelpLine(['validate', '--help', '--json'])).toBe(false);
    expect(isHelpLine(['run', '--help'])).toBe(false); // after `run IMAGE`, --help is the container's
    expect(isHelpLine(['run', 'alpine', '--help'])).toBe(false);
  });

  test('the key: any input file changed, the terminal, oclif settings in the environment', () => {
    const root = fs.mkdtempSync(path.join(tmp, 'root-'));
    fs.mkdirSync(path.join(root, 'node_modules', '@oclif', 'core'), { recursive: true });
    for (const f of ['oclif.manifest.json', 'package.json', 'node_modules/@oclif/core/package.json'])
      fs.writeFileSync(path.join(root, f), '{}');
    const pipe = { isTTY: false };
    const key = helpKey(['--help'], {}, pipe, root);
    expect(key).toBeDefined();
    expect(helpKey(['--help'], { HOME: '/x' }, pipe, root)).toBe(key);
    expect(helpKey(['--help'], { OCLIF_COLUMNS: '40' }, pipe, root)).not.toBe(key);
    expect(helpKey(['--help'], { NO_COLOR: '1' }, pipe, root)).not.toBe(key);
    expect(helpKey(['--help'], {}, { isTTY: true, columns: 120 }, root)).not.toBe(key);
    expect(helpKey(['-h'], {}, pipe, root)).not.toBe(key);
    fs.utimesSync(path.join(root, 'oclif.manifest.json'), new Date(1_000_000), new Date(1_000_000));
    expect(helpKey(['--help'], {}, pipe, root)).not.toBe(key);
    fs.rmSync(path.join(root, 'package.json'));
    expect(helpKey(['--help'], {}, pipe, root)).toBeUndefined();
  });

  test('a kept file answers only its own key, and is written whole', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'cache-'));
    const file = keptFile(dir, 'help', 'key-a');
    expect(path.basename(file)).toMatch(/^help-[0-9a-f]{16}\.txt$/);
    expect(keptFile(dir, 'help', 'key-b')).not.toBe(file);
    expect(keptFile(dir, 'engine-version', 'key-a')).not.toBe(file);
    expect(readKept(file, 'key-a')).toBeUndefined();
    keep(file, 'key-a', 'USAGE\n  $ vaoci\n');
    expect(readKept(file, 'key-a')).toBe('USAGE\n  $ vaoci\n');
    expect(readKept(file, 'key-b')).toBeUndefined();
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    keep(keptFile(dir, 'help', 'a\nb'), 'a\nb', 'x'); // a key must be one line
    expect(fs.readdirSync(dir)).toEqual([path.basename(file)]);
  });
});

describe('leanFile: a command line to its bundle', () => {
  test('a command, a topic command, and none', () => {
    expect(leanFile(['validate', 'x.yaml'], LIB, 0)).toEqual({ file: path.join(LIB, 'lean-validate.js'), words: ['x.yaml'] });
    expect(leanFile(['node', 'status', '--json'], LIB, 0)).toEqual({ file: path.join(LIB, 'lean-node-status.js'), words: ['--json'] });
    expect(leanFile(['validate', 'status'], LIB, 0)?.words).toEqual(['status']);
    expect(leanFile(['run', 'alpine'], LIB, 0)).toBeUndefined();
    expect(leanFile(['node'], LIB, 0)).toBeUndefined();
    expect(leanFile([], LIB, 0)).toBeUndefined();
  });
  test('a bundle older than the compiled CLI (tsc ran after make cli) is not used', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaoci-leanfile-'));
    try {
      const file = path.join(dir, 'lean-ps.js');
      fs.writeFileSync(file, '');
      fs.utimesSync(file, new Date(1_000_000), new Date(1_000_000));
      expect(leanFile(['ps'], dir, 999_000)).toEqual({ file, words: [] });
      expect(leanFile(['ps'], dir, 1_001_000)).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a shared bundle is never a command, nor a path', () => {
    expect(fs.existsSync(path.join(LIB, 'lean_js-yaml.js'))).toBe(true);
    expect(leanFile(['lean_js-yaml'], LIB, 0)).toBeUndefined();
    expect(leanFile(['js-yaml'], LIB, 0)).toBeUndefined();
    expect(leanFile(['../lib/lean-validate'], LIB, 0)).toBeUndefined();
  });
});

describe("BundleLoader: V8's code cache of a bundle as it ran", () => {
  let dir: string;
  let cache: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaoci-loader-'));
    cache = path.join(dir, 'cache');
    fs.mkdirSync(cache, { mode: 0o700 });
    fs.writeFileSync(path.join(dir, 'lean_shared.js'), 'module.exports = { twice: (n) => n * 2 };\n');
    fs.writeFileSync(
      path.join(dir, 'lean-x.js'),
      "const { twice } = require('./lean_shared.js');\nconst p = require('node:path');\nmodule.exports = { run: (n) => twice(n), here: __dirname, sep: p.sep };\n",
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const load = (loader: BundleLoader) =>
    loader.load(path.join(dir, 'lean-x.js')) as { run: (n: number) => number; here: string; sep: string };

  test('runs a bundle as CommonJS: require, shared bundles, __dirname', () => {
    const x = load(new BundleLoader(cache));
    expect(x.run(21)).toBe(42);
    expect(x.here).toBe(dir);
    expect(x.sep).toBe('/');
  });

  test('the first run takes the cache, the next runs use it, a changed bundle takes a new one', () => {
    const first = new BundleLoader(cache);
    load(first).run(1);
    expect(first.missed.map((k) => path.basename(k).split('.js-')[0])).toEqual(['lean-x', 'lean_shared']);
    first.save();
    const files = fs.readdirSync(path.join(cache, `lean-v8-${process.versions.v8}`));
    expect(files.filter((f) => f.endsWith('.v8'))).toHaveLength(2);
    expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);
    for (const f of files) expect(fs.statSync(path.join(cache, `lean-v8-${process.versions.v8}`, f)).mode & 0o077).toBe(0);
    const second = new BundleLoader(cache);
    expect(load(second).run(2)).toBe(4);
    expect(second.missed).toEqual([]);
    fs.writeFileSync(path.join(dir, 'lean-x.js'), 'module.exports = { run: (n) => n + 1 };\n');
    const third = new BundleLoader(cache);
    expect(load(third).run(2)).toBe(3);
    expect(third.missed).toHaveLength(1);
    third.save();
    expect(fs.readdirSync(path.join(cache, `lean-v8-${process.versions.v8}`)).filter((f) => f.startsWith('lean-x.js-'))).toHaveLength(1);
  });

  test('no cache directory: plain require, nothing written', () => {
    const loader = new BundleLoader(undefined);
    expect(load(loader).run(5)).toBe(10);
    loader.save();
    expect(fs.readdirSync(cache)).toEqual([]);
  });
});
