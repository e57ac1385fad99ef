/**
 * `vaoci run [FLAGS] IMAGE [COMMAND [ARG…]]`, split the way podman's cobra
 * does (flags not interspersed): flags are read up to the first positional
 * word, IMAGE, and every word after it is the container's, uninterpreted —
 * `vaoci run demo ls -l /` must not have oclif read `-l`. Which flags take a
 * value comes from the command's own flag definitions, so a new flag needs no
 * change here.
 *
 * `--` before IMAGE ends the flags (IMAGE is the next word). `--` after IMAGE
 * is kept as the command's first word, as podman 4.3 does: `podman run IMAGE
 * -- ls` tries to exec `--` and exits 127 (checked with podman 4.3.1 here).
 */

/** FlagShape is the part of an oclif flag definition the split needs. */
export interface FlagShape {
  type: string; // 'boolean' or 'option'
  char?: string;
  allowNo?: boolean;
}

/** RunArgv is the command line cut in two. */
export interface RunArgv {
  /** head: the flags and IMAGE, for oclif to parse (IMAGE last when there is one). */
  head: string[];
  /** command: every word after IMAGE. */
  command: string[];
}

/** splitRunArgv cuts argv after IMAGE, the first word that is neither a flag nor a flag's value. */
export function splitRunArgv(argv: string[], flags: Record<string, FlagShape>): RunArgv {
  const long = new Map<string, boolean>(); // name → takes a value
  const short = new Map<string, boolean>();
  for (const [name, f] of Object.entries(flags)) {
    const valued = f.type === 'option';
    long.set(name, valued);
    if (!valued && f.allowNo) long.set(`no-${name}`, false);
    if (f.char) short.set(f.char, valued);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      // End of flags: the next word is IMAGE whatever it looks like.
      return i + 1 < argv.length ? cut(argv, i + 1) : { head: argv, command: [] };
    }
    if (a.startsWith('--')) {
      // --name=value carries its value; an unknown --flag is left for oclif to refuse.
      if (!a.includes('=') && long.get(a.slice(2))) i++;
    } else if (a.startsWith('-') && a.length > 1) {
      i += shortTakesNext(a.slice(1), short) ? 1 : 0;
    } else {
      return cut(argv, i);
    }
  }
  return { head: argv, command: [] }; // no IMAGE: oclif says it is missing
}

function cut(argv: string[], image: number): RunArgv {
  return { head: argv.slice(0, image + 1), command: argv.slice(image + 1) };
}

/**
 * shortTakesNext reads a cluster of short flags (`-it`, `-e`, `-eK=V`): the
 * first one that takes a value takes the rest of the cluster, or the next
 * word when nothing of the cluster is left.
 */
function shortTakesNext(cluster: string, short: Map<string, boolean>): boolean {
  for (let j = 0; j < cluster.length; j++) {
    if (short.get(cluster[j])) return j === cluster.length - 1;
  }
  return false;
}
