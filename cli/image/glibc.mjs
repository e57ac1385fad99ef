// The libraries a dynamically linked program needs, taken from an extracted
// Debian tree at their Debian paths: its interpreter (PT_INTERP) and the
// closure of DT_NEEDED over the multiarch library directories, symlinks kept
// as symlinks (as test/arm64/payload.sh does for the VM, with readelf).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const readelf = (args, file) => execFileSync('readelf', [...args, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** needed lists FILE's DT_NEEDED sonames. */
export const needed = (file) => [...readelf(['-dW'], file).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);

/** interpreter is FILE's PT_INTERP path, or undefined for a static program. */
export const interpreter = (file) => /Requesting program interpreter: ([^\]]+)\]/.exec(readelf(['-lW'], file))?.[1];

/**
 * addLibraries adds to TREE what PROGRAM (a file on this machine) needs from
 * ROOT (an extracted Debian tree of TRIPLET, e.g. x86_64-linux-gnu); returns
 * the image paths of the real files added. A soname that ROOT lacks is an error.
 */
export function addLibraries(tree, root, triplet, program) {
  const added = [];
  /** add puts ROOT/rel into the tree, following a symlink chain; returns the file at its end. */
  const add = (rel) => {
    const st = fs.lstatSync(path.join(root, rel));
    if (st.isSymbolicLink()) {
      const link = fs.readlinkSync(path.join(root, rel));
      tree.symlink(rel, link);
      return add(link.startsWith('/') ? link.slice(1) : path.posix.join(path.posix.dirname(rel), link));
    }
    if (!tree.entries.has(rel)) {
      tree.file(rel, fs.readFileSync(path.join(root, rel)), st.mode & 0o7777);
      added.push(rel);
    }
    return path.join(root, rel);
  };
  const interp = interpreter(program);
  if (!interp) throw new Error(`${program}: no program interpreter — expected a dynamically linked program`);
  const seen = new Set();
  const todo = [program, add(interp.slice(1))];
  while (todo.length) {
    for (const soname of needed(todo.shift())) {
      if (seen.has(soname)) continue;
      seen.add(soname);
      const rel = [`lib/${triplet}/${soname}`, `usr/lib/${triplet}/${soname}`].find((r) => fs.existsSync(path.join(root, r)));
      if (!rel)
        throw new Error(
          `${soname} (needed by ${path.basename(program)}): not in lib/${triplet} or usr/lib/${triplet} of the pinned .debs (cli/image/debs.json)`,
        );
      todo.push(add(rel));
    }
  }
  return added;
}
