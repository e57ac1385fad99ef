/**
 * Help, kept. oclif renders `vaoci --help` and every command's help from the
 * manifest, and loading oclif to do it costs ~3.5x `node -e 0` (make
 * bench-cli). The text is a pure function of the command line, the
 * manifest, package.json (topics, version), oclif's own version, Node's
 * version line and the terminal (width, colour), so the first time a help
 * line runs through oclif its output is kept in this user's cache directory
 * under a key naming all of those (lib/startup/kept.ts); the next identical
 * line prints it without loading oclif. Kept only when oclif exits 0 with
 * nothing on stderr.
 * Lines that are not plainly help (`run IMAGE ... --help` is the
 * container's, flags besides -h) are never kept. Like main.ts, this runs on
 * every start: Node's built-ins only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keep, keptFile, readKept } from '../lib/startup/kept';

/** ROOT is the package's directory: this file is build/ts/cli/src/lean/help-cache.js (or lean/start.js beside it). */
const ROOT = path.join(__dirname, '..', '..', '..', '..', '..');

/** INPUTS are the files oclif renders help from; each one's identity (inode, size, mtime) is part of the key. */
const INPUTS = ['oclif.manifest.json', 'package.json', path.join('node_modules', '@oclif', 'core', 'package.json')];

/** TERMINAL_ENV are the variables oclif or its colours read: OCLIF_* (OCLIF_COLUMNS), VAOCI_* (scoped settings), colour and terminal. */
const TERMINAL_ENV = /^(OCLIF_|VAOCI_|FORCE_COLOR$|NO_COLOR$|TERM$|COLORTERM$|CI$|COLUMNS$)/;

const WORD = /^[a-z][a-z-]*$/;

/**
 * isHelpLine: command or topic words (at most three), then one -h or --help
 * last. (This CLI has no `help` command: oclif's help plugin is not installed.)
 */
export function isHelpLine(argv: readonly string[]): boolean {
  if (argv.length < 1 || argv.length > 4) return false;
  const last = argv[argv.length - 1];
  if (last !== '--help' && last !== '-h') return false;
  const words = argv.slice(0, -1);
  return words.every((w) => WORD.test(w)) && words[0] !== 'run'; // after `run IMAGE` the words are the container's
}

/** Terminal is what of stdout decides oclif's layout. */
export interface Terminal {
  isTTY: boolean;
  columns?: number;
}

/** helpKey names everything the help text depends on, one line; undefined when an input is missing. */
export function helpKey(argv: readonly string[], env: NodeJS.ProcessEnv, terminal: Terminal, root: string = ROOT): string | undefined {
  const files: string[] = [];
  for (const rel of INPUTS) {
    const st = fs.statSync(path.join(root, rel), { throwIfNoEntry: false, bigint: true });
    if (!st) return undefined;
    files.push(`${rel}:${st.ino}:${st.size}:${st.mtimeNs}`);
  }
  const vars = Object.keys(env)
    .filter((k) => TERMINAL_ENV.test(k))
    .sort()
    .map((k) => `${k}=${env[k]}`);
  const tty = terminal.isTTY ? `tty:${terminal.columns ?? 0}` : 'pipe';
  return JSON.stringify([argv, process.version, process.platform, process.arch, tty, files, vars]);
}

/**
 * helpFromCache prints the kept help for argv and returns true; otherwise,
 * for a help line, it records what oclif is about to write and keeps it at
 * exit (status 0, nothing on stderr), and returns false for oclif to run.
 */
export function helpFromCache(argv: readonly string[], cacheDir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!isHelpLine(argv)) return false;
  const key = helpKey(argv, env, { isTTY: !!process.stdout.isTTY, columns: process.stdout.columns });
  if (!key) return false;
  const file = keptFile(cacheDir, 'help', key);
  const kept = readKept(file, key);
  if (kept !== undefined) {
    process.stdout.write(kept);
    return true;
  }
  const out: string[] = [];
  let clean = true;
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  const stderrWrite = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return stdoutWrite(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    clean = false;
    return stderrWrite(chunk, ...rest);
  }) as typeof process.stderr.write;
  process.once('exit', (code) => {
    if (code === 0 && clean && out.length) keep(file, key, out.join(''));
  });
  return false;
}
