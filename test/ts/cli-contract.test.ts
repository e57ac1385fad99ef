/**
 * The CLI's contract, checked in CI: the commands and their flags match the
 * committed cli/command-snapshot.json (an accidental change fails here; a
 * deliberate one regenerates it with VAOCI_UPDATE_SNAPSHOT=1 npx jest
 * cli-contract), every command follows the house's oclif conventions, the
 * built manifest is not stale, and bin/vaoci answers --version the way
 * oclif would, without loading it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Config } from '@oclif/core';
import { VaociCommand } from '../../cli/src/lib/command';
import { ALGORITHMS } from '../../cli/src/lib/flags';
import { schemaNames, findSchemaDir } from '../../cli/src/lib/schema';
import { ROOT, type Json, vaoci } from './cli-helpers';

const COMMANDS_DIR = path.join(ROOT, 'cli', 'src', 'commands');
const SNAPSHOT = path.join(ROOT, 'cli', 'command-snapshot.json');
const MANIFEST = path.join(ROOT, 'oclif.manifest.json');

/** SnapshotFlag is what the snapshot pins of one flag. */
interface SnapshotFlag {
  name: string;
  type: string;
  required: boolean;
  multiple: boolean;
  default?: unknown;
}

/** SnapshotCommand is what the snapshot pins of one command. */
interface SnapshotCommand {
  command: string;
  flags: SnapshotFlag[];
}

/** commandFiles maps each command id to its file: one command per file, topics as directories. */
function commandFiles(dir = COMMANDS_DIR, topic: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) Object.assign(out, commandFiles(path.join(dir, e.name), [...topic, e.name]));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out[[...topic, e.name.slice(0, -3)].join(':')] = path.join(dir, e.name);
  }
  return out;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- command classes are inspected, not called
type CommandClass = any;

// The command files are found at run time (every file under cli/src/commands), so they are required, not imported.
const load = createRequire(__filename);

/** loadCommands requires every command file from the sources. */
function loadCommands(): Record<string, CommandClass> {
  return Object.fromEntries(Object.entries(commandFiles()).map(([id, file]) => [id, (load(file) as { default: CommandClass }).default]));
}

/** snapshotOf describes commands and their flags (plus --json) as the snapshot stores them, sorted. */
function snapshotOf(commands: Record<string, { flags?: Record<string, Json>; enableJsonFlag?: boolean }>): SnapshotCommand[] {
  return Object.entries(commands)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, c]) => {
      const flags = Object.entries(c.flags ?? {})
        .filter(([name]) => name !== 'json')
        .map(([name, f]) => ({
          name,
          type: String(f.type),
          required: Boolean(f.required),
          multiple: Boolean(f.multiple),
          ...(f.default === undefined ? {} : { default: f.default }),
        }));
      if (c.enableJsonFlag) flags.push({ name: 'json', type: 'boolean', required: false, multiple: false });
      return { command: id, flags: flags.sort((a, b) => a.name.localeCompare(b.name)) };
    });
}

const commands = loadCommands();

describe('command snapshot (cli/command-snapshot.json)', () => {
  test('the commands and flags match the committed snapshot', () => {
    const now = snapshotOf(commands);
    if (process.env.VAOCI_UPDATE_SNAPSHOT === '1') fs.writeFileSync(SNAPSHOT, `${JSON.stringify(now, null, 2)}\n`);
    const committed = JSON.parse(fs.readFileSync(SNAPSHOT, 'utf8')) as SnapshotCommand[];
    // A difference here changes the CLI's contract: if it is meant, run VAOCI_UPDATE_SNAPSHOT=1 npx jest cli-contract
    expect(now).toEqual(committed);
  });

  test('oclif finds exactly the command files', async () => {
    const config = await Config.load({ root: ROOT });
    expect(config.commands.map((c) => c.id).sort()).toEqual(Object.keys(commands).sort());
  });

  test('the built manifest, when present, is not stale (else: make cli)', () => {
    if (!fs.existsSync(MANIFEST)) return;
    const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as { version: string; commands: Record<string, Json> };
    const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(manifest.version).toBe(version);
    expect(snapshotOf(manifest.commands)).toEqual(snapshotOf(commands));
    for (const c of Object.values(manifest.commands)) expect(c).not.toHaveProperty('relativePath');
  });
});

describe.each(Object.entries(commands))('%s follows the conventions', (id, C: CommandClass) => {
  test('one class per file, a VaociCommand with --json', () => {
    expect(C.prototype).toBeInstanceOf(VaociCommand);
    expect(C.enableJsonFlag).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(C.prototype, 'run')).toBe(true);
  });

  test('summary, description with the exit codes, examples that use only its own flags', () => {
    expect(C.summary).toMatch(/^[A-Z].{10,100}\.$/);
    expect(C.description).toMatch(/Exit codes: 0 ok, 1 a check failed .*, 2 bad input/);
    expect(C.examples.length).toBeGreaterThanOrEqual(2);
    const known = new Set([...Object.keys(C.flags), 'json']);
    for (const ex of C.examples as string[]) {
      expect(ex.startsWith('<%= config.bin %> <%= command.id %>')).toBe(true);
      for (const m of ex.matchAll(/--([\w-]+)/g)) expect(known).toContain(m[1]);
    }
  });

  test('every flag has a summary', () => {
    for (const f of Object.values(C.flags as Record<string, Json>)) expect(f.summary).toMatch(/^[A-Z].*\.$/);
  });

  test('its --json result has a schema under schemas/', () => {
    const produces: Record<string, string[]> = {
      probe: ['reserve-probe'],
      'reserve:check': ['reserve-check'],
      'reserve:bench': ['reserve-bench'],
      verify: ['cli-verify'],
      hooks: ['oci-hook'],
      'webhook:serve': [], // a server: no result document
    };
    for (const s of [...(produces[id] ?? [`cli-${id.replace(/:/g, '-')}`]), 'cli-error']) expect(schemaNames()).toContain(s);
  });
});

describe('shared with the schemas', () => {
  test('the algorithms are the schema’s', () => {
    const defs = JSON.parse(fs.readFileSync(path.join(findSchemaDir(), 'defs.schema.json'), 'utf8')) as Json;
    expect([...ALGORITHMS]).toEqual(defs.$defs.algorithm.enum);
  });
});

describe('bin/vaoci', () => {
  const bin = path.join(ROOT, 'bin', 'vaoci');

  test('--version, answered without oclif, is the line oclif prints', async () => {
    const fast = execFileSync(bin, ['--version'], { encoding: 'utf8' });
    const config = await Config.load({ root: ROOT });
    expect(fast).toBe(`${config.userAgent}\n`);
    const viaOclif = await vaoci(['--version']);
    expect(viaOclif.stdout).toBe(fast);
  });

  test('runs a command end to end from the repository root (after make cli)', () => {
    if (!fs.existsSync(path.join(ROOT, 'build', 'ts', 'cli', 'src', 'commands'))) {
      execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
    }
    const out = JSON.parse(execFileSync(bin, ['probe', '--json'], { cwd: ROOT, encoding: 'utf8' })) as Json;
    expect(out).toMatchObject({ tool: 'vaoci-reserve', command: 'probe', ok: true });
  });
});
