/**
 * `vaoci run`'s exit statuses, podman's: 125 when vaoci (or the runtime,
 * before the container's process runs) fails, 126 when the command exists
 * but cannot be executed, 127 when it is not found, else the container's own
 * (128+N for signal N). A script can then tell vaoci's failures from the
 * container's, which the other commands' 1 and 2 would not allow.
 *
 * The runtime cannot say this through its exit status: runc 1.1 and crun 1.8
 * both exit 1 when the exec fails, like a container that exits 1. So
 * `vaoci run` hands the runtime `--log FILE --log-format json` (vaoci-runtime
 * passes them on, and writes its own refusals there too) and reads FILE
 * when the runtime exited 1. What they write, checked here:
 *   runc: runc run failed: unable to start container process: exec: "nope": executable file not found in $PATH
 *         … exec: "/bin/x": permission denied       … exec: "/nope/x": no such file or directory
 *   crun: executable file `nope` not found in $PATH: No such file or directory
 *         open executable: Permission denied
 * Both also print that line on stderr (shared with the container's), so
 * vaoci adds none: the runtime's line is the one line.
 */
import * as fs from 'node:fs';

/** RUN_EXIT names the statuses vaoci run itself gives. */
export const RUN_EXIT = { vaoci: 125, cannotInvoke: 126, notFound: 127 } as const;

/** RUN_EXIT_HELP documents them in the command's help. */
export const RUN_EXIT_HELP =
  'Exit codes, as podman\'s (not the other commands\' "Exit codes: 0 ok, 1 a check failed (or the tool could not run it), 2 bad input", ' +
  "so that a script can tell vaoci's failures from the container's): 125 vaoci failed (a bad flag or value, the image not found, the runtime failed before the container's process started), " +
  '126 the command was found but could not be executed (not executable, permission denied), 127 the command was not found in the container; ' +
  "otherwise the container's own exit status (128+N when killed by signal N).";

/** NOT_FOUND and CANNOT are the runtimes' exec failures (the container's process never ran). */
const NOT_FOUND = [/exec: ".*": (executable file not found in \$PATH|no such file or directory)$/, /executable file `.*` not found/];
const CANNOT = [
  /exec: ".*": (permission denied|exec format error|is a directory)$/i,
  /open executable: (Permission denied|Is a directory)/i,
  /exec format error/i,
];

/**
 * runtimeStatus maps the runtime's exit status and log to vaoci run's: the
 * status as is unless the runtime exited 1 having logged an error, which is
 * then 127, 126 or (any other failure of the runtime or the wrapper) 125.
 */
export function runtimeStatus(code: number, logFile: string): number {
  if (code !== 1) return code;
  const errors = logErrors(logFile);
  if (!errors.length) return code; // the container's own 1
  const last = errors[errors.length - 1];
  if (NOT_FOUND.some((r) => r.test(last))) return RUN_EXIT.notFound;
  if (CANNOT.some((r) => r.test(last))) return RUN_EXIT.cannotInvoke;
  return RUN_EXIT.vaoci;
}

/** logErrors are the messages of the error-level lines of a runtime's JSON log (none when it has none). */
export function logErrors(logFile: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    try {
      const o = JSON.parse(line) as { level?: string; msg?: string };
      if (o.level === 'error' && typeof o.msg === 'string') out.push(o.msg);
    } catch {
      // not a JSON line (a runtime that ignored --log-format)
    }
  }
  return out;
}
