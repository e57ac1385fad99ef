/**
 * launch.conf, vaoci-binfmt's settings, read exactly as the launcher reads
 * it (native/src/launch_conf.c; schemas/vectors/formats/launch-conf.json holds
 * both to it): `key = value` lines, `#` comments, blank lines; keys
 * emulator (required, an absolute path), va-limit, on-error, algo, each with
 * the C side's length limit; an unknown key is an error. Detection names the
 * emulator behind a vaoci-binfmt only from a file the launcher would accept.
 */

/** LaunchConf is a valid launch.conf's values ('' for a key not given). */
export interface LaunchConf {
  emulator: string;
  'va-limit': string;
  'on-error': string;
  algo: string;
}

/** LaunchConfError is a launch.conf the launcher would refuse; its message is the launcher's line. */
export class LaunchConfError extends Error {}

/** The C struct's buffer sizes, less the NUL. */
const MAX: Record<keyof LaunchConf, number> = { emulator: 4095, 'va-limit': 63, 'on-error': 15, algo: 15 };
const KEYS = Object.keys(MAX) as Array<keyof LaunchConf>;

/** The C side trims spaces, tabs and carriage returns, nothing else. */
const trim = (s: string): string => s.replace(/^[ \t\r]+|[ \t\r]+$/g, '');

/** parseLaunchConf reads launch.conf's text; `name` is the file's name in messages. Throws LaunchConfError. */
export function parseLaunchConf(text: string, name = 'launch.conf'): LaunchConf {
  const conf: LaunchConf = { emulator: '', 'va-limit': '', 'on-error': '', algo: '' };
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop(); // the C loop stops at the end: no line after the last newline
  lines.forEach((raw, i) => {
    const line = trim(raw);
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq < 0) throw new LaunchConfError(`${name} line ${i + 1}: expected \`key = value\``);
    const key = trim(line.slice(0, eq));
    const value = trim(line.slice(eq + 1));
    if (!(KEYS as string[]).includes(key)) {
      throw new LaunchConfError(
        `${name} line ${i + 1}: unknown key \`${key.slice(0, 31)}\`: expected emulator, va-limit, on-error or algo`,
      );
    }
    const k = key as keyof LaunchConf;
    if (value === '' || Buffer.byteLength(value) > MAX[k]) {
      throw new LaunchConfError(`${name} line ${i + 1}: ${k}: expected a value of 1-${MAX[k]} characters`);
    }
    conf[k] = value;
  });
  if (!conf.emulator) throw new LaunchConfError(`${name}: emulator: missing; expected \`emulator = /path/to/emulator\``);
  if (!conf.emulator.startsWith('/')) throw new LaunchConfError(`${name}: emulator \`${conf.emulator}\`: expected an absolute path`);
  return conf;
}

/** launchConfEmulator is the emulator a launch.conf names, or '' when the launcher would refuse the file. */
export function launchConfEmulator(text: string): string {
  try {
    return parseLaunchConf(text).emulator;
  } catch (e) {
    if (e instanceof LaunchConfError) return '';
    throw e;
  }
}
