/**
 * Writes a layer's deletions the way overlayfs reads them in a lowerdir:
 * a whiteout is a 0/0 character device, an opaque directory has the xattr
 * trusted.overlay.opaque=y. Node can neither mknod nor setxattr, so one
 * vaoci-overlay-marks process per layer does both (native/tool/overlay_marks.c,
 * static, built and installed with the rest of vaoci's native files — so
 * `vaoci run` needs no python3). It resolves every path with openat and
 * O_NOFOLLOW from the layer root, so nothing a layer holds — a symlink where
 * a directory was — can send it outside. Semantics (image-spec layer.md): a
 * deletion applies to lower layers only, so a name this layer itself has is
 * kept; when that name is a directory, it is made opaque instead, hiding the
 * lower one's children.
 *
 * The job goes on stdin as records `KIND PATH NUL` (KIND `w` or `o`, PATH's
 * components joined by `/`): tar names hold no NUL (the unpacker refuses
 * them) and components no `/`, so any name travels byte for byte.
 */
import { spawn } from 'node:child_process';
import { Failure } from '../errors';
import { OVERLAY_MARKS, firstExecutable, overlayMarksCandidates } from '../tool';

/** overlayMarksProgram is the first executable vaoci-overlay-marks among `candidates`, or a Failure naming them all. */
export function overlayMarksProgram(what: string, candidates: string[] = overlayMarksCandidates()): string {
  const found = firstExecutable(candidates);
  if (found) return found;
  const where = candidates.map((c) => `\`${c}\``).join(' or ');
  throw new Failure(
    `${what}: has deletions, and ${OVERLAY_MARKS} is not at ${where} to write overlay whiteouts — run \`make build\` (or \`vaoci node install\`)`,
    'missing',
  );
}

/** marksInput encodes the job as the program reads it; a component holding `/` or NUL could change which path a record names, so it is refused here too. */
export function marksInput(whiteouts: string[][], opaque: string[][], what: string): Buffer {
  const records: Buffer[] = [];
  const add = (kind: 'w' | 'o', parts: string[]) => {
    const bad = parts.find((p) => p.includes('/') || p.includes('\0'));
    if (bad !== undefined)
      throw new Failure(`${what}: deletion component ${JSON.stringify(bad)} holds \`/\` or NUL — expected one path component`, 'system');
    records.push(Buffer.from(`${kind}${parts.join('/')}\0`, 'utf8'));
  };
  for (const w of whiteouts) add('w', w);
  for (const o of opaque) add('o', o);
  return Buffer.concat(records);
}

/** writeOverlayMarks creates the whiteouts (path components each) and opaque markers under `root`; `what` names the layer in errors. */
export async function writeOverlayMarks(root: string, whiteouts: string[][], opaque: string[][], what: string): Promise<void> {
  if (whiteouts.length === 0 && opaque.length === 0) return;
  const input = marksInput(whiteouts, opaque, what);
  const program = overlayMarksProgram(what);
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; text: string }>((resolve, reject) => {
    const child = spawn(program, [root], { stdio: ['pipe', 'ignore', 'pipe'] });
    let text = '';
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.stdin.on('error', () => {}); // a program that died early: its exit status below says why
    child.on('error', (e) => reject(new Failure(`${what}: writing overlay whiteouts: cannot run \`${program}\`: ${e.message}`, 'system')));
    child.on('close', (code, signal) => resolve({ code, signal, text }));
    child.stdin.end(input);
  });
  if (result.code !== 0) {
    const said = result.signal ? `killed by ${result.signal}` : `exit status ${result.code}`;
    const last = result.text.trim().split('\n').pop() || said;
    throw new Failure(`${what}: writing overlay whiteouts: ${last}`, 'system');
  }
}
