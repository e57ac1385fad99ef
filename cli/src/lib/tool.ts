/**
 * Driving the native tool: find vaoci-reserve (the repository's build, else
 * the node install), run one command with --json, and hand back its report
 * only once it parses and validates against schemas/reserve-COMMAND.
 */
import { childProcess } from './child';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure } from './errors';
import { type Arch, type FailureReport, type Reports, type ToolCommand, isFailure } from './reports';
import { validate } from './schema';

/** TOOL_OUTPUT_MAX bounds what a tool run may print (a bench report is tens of KiB). */
const TOOL_OUTPUT_MAX = 64 * 1024 * 1024;

/** TOOL_NAME is the native tool's file name. */
export const TOOL_NAME = 'vaoci-reserve';

/** INSTALLED_TOOL is where a node install puts the tool. */
export const INSTALLED_TOOL = `/opt/vaoci/bin/${TOOL_NAME}`;

/** TOOL_ENV names the variable that overrides where the tool is looked for. */
export const TOOL_ENV = 'VAOCI_RESERVE';

/** hostArch maps Node's process.arch to vaoci's build directory name. */
export function hostArch(arch: string = process.arch): Arch {
  if (arch === 'x64') return 'x86_64';
  if (arch === 'arm64') return 'aarch64';
  throw new Failure(`arch \`${arch}\`: unsupported; expected x64 or arm64`, 'missing');
}

/** repoRoot walks up from `start` to the directory whose package.json names vaoci, if any. */
export function repoRoot(start: string = __dirname): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    try {
      const pjson = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pjson.name === 'vaoci') return dir;
    } catch {
      // no package.json here: keep walking
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** imageDataPlane is where vaoci's container image keeps one data-plane file (the chart's pods run from it). */
export function imageDataPlane(file: string): string {
  return `/usr/share/vaoci/${hostArch()}/${file}`;
}

/** imageTool is the image's copy of the native tool. */
export function imageTool(): string {
  return imageDataPlane(TOOL_NAME);
}

/**
 * toolCandidates lists where the tool is looked for, in order: $VAOCI_RESERVE
 * alone when set; else build/ARCH/vaoci-reserve in the repository, then
 * /opt/vaoci/bin/vaoci-reserve, then the container image's copy.
 */
export function toolCandidates(env: NodeJS.ProcessEnv = process.env, root = repoRoot()): string[] {
  if (env[TOOL_ENV]) return [path.resolve(env[TOOL_ENV] as string)];
  return [...builtThenInstalled(TOOL_NAME, INSTALLED_TOOL, root), imageTool()];
}

/** builtThenInstalled lists one of vaoci's native files: this repository's build (when run from it), then its node path. */
export function builtThenInstalled(file: string, installed: string, root = repoRoot()): string[] {
  return [...(root ? [path.join(root, 'build', hostArch(), file)] : []), installed];
}

/** OVERLAY_MARKS is the unpacker's whiteout writer (native/tool/overlay_marks.c), so `vaoci run` needs no python3. */
export const OVERLAY_MARKS = 'vaoci-overlay-marks';

/** overlayMarksCandidates lists where vaoci-overlay-marks is looked for, in the same order as the tool: this build, the node install, the image. */
export function overlayMarksCandidates(root = repoRoot()): string[] {
  return [...builtThenInstalled(OVERLAY_MARKS, `/opt/vaoci/bin/${OVERLAY_MARKS}`, root), imageDataPlane(OVERLAY_MARKS)];
}

/** firstExecutable is the first candidate that is an executable file, or undefined. */
export function firstExecutable(candidates: string[]): string | undefined {
  return candidates.find((c) => {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return fs.statSync(c).isFile();
    } catch {
      return false; // not there or not executable: try the next
    }
  });
}

/** locateTool returns the first executable candidate, or fails (exit 2) naming every path tried and `make build`. */
export function locateTool(candidates: string[] = toolCandidates()): string {
  const found = firstExecutable(candidates);
  if (found) return found;
  const where = candidates.map((c) => `\`${c}\``).join(' or ');
  throw new Failure(`${TOOL_NAME}: not found at ${where}; run \`make build\` (or set ${TOOL_ENV})`, 'missing');
}

/** RunOptions tune one run of the tool. */
export interface RunOptions {
  /** tool is the executable to run (default: locateTool()). */
  tool?: string;
  /** onProgress receives `progress R/N` lines from stderr (bench --progress). */
  onProgress?: (done: number, total: number) => void;
}

/** Outcome is what one run of the tool said: its report (full or failure) and its exit code. */
export interface Outcome<C extends ToolCommand> {
  report: Reports[C] | FailureReport<C>;
  exit: number;
}

/**
 * runTool runs `vaoci-reserve --json COMMAND ARGS…` and returns its validated
 * report. A tool that cannot start, dies of a signal, prints anything but one
 * JSON document, or a report that breaks its schema is a Failure (tool).
 */
export async function runTool<C extends ToolCommand>(command: C, args: string[], opts: RunOptions = {}): Promise<Outcome<C>> {
  const tool = opts.tool ?? locateTool();
  const { stdout, stderr, code, signal } = await spawnCollect(tool, ['--json', command, ...args], opts.onProgress);
  const what = `${TOOL_NAME} ${command}`;
  if (signal || code === null) throw new Failure(`${what}: killed by ${signal ?? 'a signal'}`, 'tool');
  let report: unknown;
  try {
    report = JSON.parse(stdout);
  } catch {
    const said = stderr.trim().split('\n')[0] || stdout.trim().split('\n')[0] || 'nothing';
    throw new Failure(`${what}: no JSON report (exit ${code}): ${said}`, 'tool');
  }
  const problems = validate(`reserve-${command}`, report);
  if (problems.length) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new Failure(`${what}: report breaks schemas/reserve-${command}.schema.json: ${problems[0]}${more}`, 'tool');
  }
  return { report: report as Reports[C] | FailureReport<C>, exit: code };
}

/**
 * fullReport returns the report of a command that ran, or throws the tool's
 * own failure (exit 2 for invalid input, 1 otherwise) carrying the report
 * so --json prints it.
 */
export function fullReport<C extends ToolCommand>(outcome: Outcome<C>): Reports[C] {
  const r = outcome.report;
  if (isFailure(r)) throw new Failure(r.error.message, r.error.status === 'invalid' ? 'invalid' : 'failed', r);
  return r as Reports[C];
}

interface Collected {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * spawnCollect runs the tool and collects its output. With onProgress it
 * streams (the tool's `progress N/M` lines on stderr drive a bar); without,
 * it waits with spawnSync, which needs none of Node's stream machinery
 * (~3 ms of a short command such as probe).
 */
function spawnCollect(file: string, args: string[], onProgress?: (done: number, total: number) => void): Promise<Collected> {
  const cannot = (e: Error) => new Failure(`${TOOL_NAME}: cannot run \`${file}\`: ${e.message}`, 'tool');
  if (!onProgress) {
    const r = childProcess().spawnSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: TOOL_OUTPUT_MAX });
    if (r.error) return Promise.reject(cannot(r.error));
    const err = r.stderr.toString('utf8').replace(/^progress \d+\/\d+\n/gm, '');
    return Promise.resolve({ stdout: r.stdout.toString('utf8'), stderr: err, code: r.status, signal: r.signal });
  }
  return new Promise((resolve, reject) => {
    const child = childProcess().spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let pending = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      const text = pending + b.toString('utf8');
      const lines = text.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^progress (\d+)\/(\d+)$/.exec(line);
        if (m) onProgress(Number(m[1]), Number(m[2]));
        else err += `${line}\n`;
      }
    });
    child.on('error', (e) => reject(cannot(e)));
    child.on('close', (code, signal) => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: err + pending, code, signal }));
  });
}
