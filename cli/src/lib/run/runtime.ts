/**
 * Running a bundle the way a node does: through vaoci's runtime wrapper
 * (vaoci-runtime run, which prepares config.json from the annotations and
 * execs the real runtime) with a node config for local runs. Signals that
 * reach `vaoci run` go on to the runtime, which forwards them to the
 * container; the container's exit status comes back (128+N for signal N).
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeAtomic } from '../atomic';
import { Failure, badInput } from '../errors';
import { builtThenInstalled, imageDataPlane, repoRoot } from '../tool';
import type { StateDir } from './state';

/** RUNTIMES are the real runtimes `--runtime` takes. */
export const RUNTIMES = ['runc', 'crun'] as const;

/** Runtime is one of RUNTIMES. */
export type Runtime = (typeof RUNTIMES)[number];

const INSTALLED = { bin: '/opt/vaoci/bin', lib: '/opt/vaoci/lib' };

/**
 * dataPlane finds one of vaoci's node files: this repository's build first,
 * then the node install, then vaoci's own image (the CLI there runs
 * `vaoci run` with the data plane the installer would copy).
 */
export function dataPlane(file: 'vaoci-runtime' | 'vaoci-launch' | 'libvaoci-preload.so', root = repoRoot()): string {
  const installed = path.join(file.endsWith('.so') ? INSTALLED.lib : INSTALLED.bin, file);
  const candidates = [...builtThenInstalled(file, installed, root), imageDataPlane(file)];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Failure(`${file}: not found at ${candidates.map((c) => `\`${c}\``).join(' or ')}; run \`make build\``, 'missing');
  return found;
}

/**
 * resolveRuntime reads --runtime: a name of RUNTIMES, found on PATH, or the
 * absolute path of a runtime binary (an executable regular file), as podman
 * takes either.
 */
export function resolveRuntime(value: string, env: NodeJS.ProcessEnv = process.env): string {
  if ((RUNTIMES as readonly string[]).includes(value)) return whichRuntime(value as Runtime, env);
  const expected = `expected ${RUNTIMES.join(' or ')}, or the absolute path of an OCI runtime binary`;
  if (!path.isAbsolute(value)) throw badInput(`--runtime \`${value}\`: ${expected}`);
  const st = fs.statSync(value, { throwIfNoEntry: false });
  let executable = false;
  try {
    fs.accessSync(value, fs.constants.X_OK);
    executable = true;
  } catch {
    // not executable by us
  }
  if (!st?.isFile() || !executable)
    throw badInput(`--runtime \`${value}\`: ${st ? 'not an executable file' : 'no such file'} — ${expected}`);
  return value;
}

/** whichRuntime finds the real runtime on PATH. */
export function whichRuntime(name: Runtime, env: NodeJS.ProcessEnv = process.env): string {
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  throw badInput(`--runtime \`${name}\`: not found on PATH — expected ${RUNTIMES.join(' or ')} installed`);
}

/** writeNodeConfig writes the local runs' node config for one runtime and returns its path. */
export function writeNodeConfig(state: StateDir, runtime: string): string {
  // One file per runtime path: two runcs at different paths (--runtime /abs/runc) must not share one.
  const tag = crypto.createHash('sha256').update(runtime).digest('hex').slice(0, 8);
  const file = path.join(state.root, `node-config-${path.basename(runtime)}-${tag}.json`);
  // The launcher too: a statically linked emulator (Debian 13's qemu-user) takes the launch injection, whose default is the node path.
  const injection = { preload: dataPlane('libvaoci-preload.so'), launcher: dataPlane('vaoci-launch') };
  const config = { runtime, log: state.log, reports_dir: state.reports, injection };
  writeAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

/** Launch is one `vaoci-runtime run`. */
export interface Launch {
  bundle: string;
  id: string;
  nodeConfig: string;
  /** stdin: the terminal's (-i, -t) or /dev/null. */
  interactive: boolean;
  /** stdout of the container to our stderr (--json keeps stdout for the result). */
  stdoutToStderr: boolean;
  /** log: the runtime's JSON log (its errors tell an exec failure from the container's own exit 1; exit.ts). */
  log: string;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** launch runs the container to its end and returns its exit status. */
export function launch(l: Launch): Promise<number> {
  const child = spawn(dataPlane('vaoci-runtime'), ['--log', l.log, '--log-format', 'json', 'run', '--bundle', l.bundle, l.id], {
    stdio: [l.interactive ? 'inherit' : 'ignore', l.stdoutToStderr ? process.stderr : 'inherit', 'inherit'],
    env: { ...process.env, VAOCI_CONFIG: l.nodeConfig },
  });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  for (const s of FORWARDED) process.on(s, forward);
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new Failure(`vaoci-runtime: ${e.message}`, 'system')));
    child.on('exit', (code, signal) => {
      for (const s of FORWARDED) process.off(s, forward);
      resolve(signal ? 128 + (os.constants.signals[signal] ?? 0) : (code ?? 1));
    });
  });
}

/** deleteContainer asks the real runtime to forget a container (quietly: it may be gone already). */
export function deleteContainer(runtime: string, id: string): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(runtime, ['delete', '--force', id], { stdio: 'ignore' });
    child.on('error', () => resolve());
    child.on('exit', () => resolve());
  });
}
