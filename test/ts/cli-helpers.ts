/**
 * Shared by the CLI's tests: run a vaoci command through oclif's test
 * helper and get its output and exit code; the real native tool; processes
 * to verify; fake tools that misbehave on purpose.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Failure } from '../../cli/src/lib/errors';
import { Console } from 'node:console';
import { runCommand } from '@oclif/test';

/** ROOT is the repository. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** ARCH is this host's build directory name. */
export const ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64';

/** TOOL is the real vaoci-reserve of this build. */
export const TOOL = path.join(ROOT, 'build', ARCH, 'vaoci-reserve');

/** PRELOAD is the preload that reserves in a process's constructor. */
export const PRELOAD = path.join(ROOT, 'build', ARCH, 'libvaoci-preload.so');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- documents are checked by schema, not by type
export type Json = Record<string, any>;

/** Ran is what one command did: its output, its exit code, and its stdout parsed when it is JSON. */
export interface Ran {
  stdout: string;
  stderr: string;
  exit: number;
  json?: Json;
}

/** ensureNative builds the native tool and preload when they are missing (a fresh clone). */
export function ensureNative(): void {
  if (!fs.existsSync(TOOL) || !fs.existsSync(PRELOAD)) {
    execFileSync('make', ['-s', `native-${ARCH}`], { cwd: ROOT, stdio: 'inherit' });
  }
}

/**
 * vaoci runs one command through @oclif/test's runCommand with `env` set for
 * its duration. Exit codes come from the ExitError vaoci's commands end with;
 * any other error is a bug and is thrown.
 */
export async function vaoci(args: string[], env: Record<string, string | undefined> = {}): Promise<Ran> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) setEnv(k, v);
  const jestConsole = globalThis.console; // jest's console decorates each line; oclif prints through console.log
  globalThis.console = new Console({ stdout: process.stdout, stderr: process.stderr });
  try {
    const { stdout, stderr, error } = await runCommand(args, { root: ROOT });
    const e = error as (Error & { oclif?: { exit?: number }; code?: string }) | undefined;
    if (e && e.code !== 'EEXIT') throw e;
    const exit = e ? (e.oclif?.exit ?? 1) : 0;
    let json: Json | undefined;
    try {
      json = JSON.parse(stdout) as Json;
    } catch {
      json = undefined;
    }
    return { stdout, stderr, exit, json };
  } finally {
    globalThis.console = jestConsole;
    for (const [k, v] of Object.entries(saved)) setEnv(k, v);
  }
}

function setEnv(k: string, v: string | undefined): void {
  if (v === undefined) delete process.env[k];
  else process.env[k] = v;
}

/**
 * startIdle starts `cat` waiting on its stdin, with the preload reserving
 * `window` when given; it resolves once main() runs (after the constructor).
 */
export async function startIdle(window?: string): Promise<ChildProcess> {
  const env = window ? { ...process.env, LD_PRELOAD: PRELOAD, VAOCI_VA_LIMIT: window } : process.env;
  const child = spawn('cat', [], { env });
  const echoed = new Promise((resolve, reject) => {
    child.stdout?.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`cat exited with ${code}`)));
  });
  child.stdin?.write('ready\n');
  await echoed;
  return child;
}

/** tempDir makes a fresh directory under the system's temp directory. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `vaoci-${prefix}-`));
}

/** fakeTool writes an executable shell script standing in for vaoci-reserve and returns its path. */
export function fakeTool(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** fakeReport writes a fake tool that prints `doc` as JSON and exits with `exit`. */
export function fakeReport(dir: string, name: string, doc: Json, exit: number): string {
  const json = path.join(dir, `${name}.json`);
  fs.writeFileSync(json, JSON.stringify(doc));
  return fakeTool(dir, name, `cat '${json}'\nexit ${exit}`);
}

/** realReport runs the real tool with --json and returns its report. */
export function realReport(args: string[]): Json {
  try {
    return JSON.parse(execFileSync(TOOL, ['--json', ...args], { encoding: 'utf8' })) as Json;
  } catch (e) {
    return JSON.parse((e as { stdout: string }).stdout) as Json;
  }
}

/** failureLine is the one line a Failure thrown by f carries (anything else is rethrown). */
export function failureLine(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof Failure) return e.line;
    throw e;
  }
  throw new Error('no failure');
}
