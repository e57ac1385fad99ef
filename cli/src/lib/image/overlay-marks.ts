/**
 * Writes a layer's deletions the way overlayfs reads them in a lowerdir:
 * a whiteout is a 0/0 character device, an opaque directory has the xattr
 * trusted.overlay.opaque=y. Node can neither mknod nor setxattr, so one
 * python3 process per layer does both (python3 is among vaoci's
 * dependencies). It resolves every path with openat and O_NOFOLLOW from the
 * layer root, so nothing a layer holds — a symlink where a directory was —
 * can send it outside. Semantics (image-spec layer.md): a deletion applies
 * to lower layers only, so a name this layer itself has is kept; when that
 * name is a directory, it is made opaque instead, hiding the lower one's
 * children.
 */
import { spawn } from 'node:child_process';
import { Failure } from '../errors';
import { findProgram } from './compression';

const SCRIPT = String.raw`
import json, os, stat, sys
root = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
marks = json.load(sys.stdin)

def opendir(parts):
    fd = os.dup(root)
    for p in parts:
        try:
            nfd = os.open(p, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
        except OSError:
            os.close(fd)
            return None
        os.close(fd)
        fd = nfd
    return fd

def opaque(fd):
    os.setxattr(fd, "trusted.overlay.opaque", b"y")

for parts in marks["whiteouts"]:
    fd = opendir(parts[:-1])
    if fd is None:
        continue
    try:
        os.mknod(parts[-1], stat.S_IFCHR, os.makedev(0, 0), dir_fd=fd)
    except FileExistsError:
        st = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            sub = opendir(parts)
            opaque(sub)
            os.close(sub)
    os.close(fd)

for parts in marks["opaque"]:
    fd = opendir(parts)
    if fd is not None:
        opaque(fd)
        os.close(fd)
`;

/** writeOverlayMarks creates the whiteouts (path components each) and opaque markers under `root`; `what` names the layer in errors. */
export async function writeOverlayMarks(root: string, whiteouts: string[][], opaque: string[][], what: string): Promise<void> {
  if (whiteouts.length === 0 && opaque.length === 0) return;
  if (!findProgram('python3')) throw new Failure(`${what}: has deletions, and no python3 on PATH to write overlay whiteouts — expected python3 installed`, 'system');
  const stderr = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
    const child = spawn('python3', ['-c', SCRIPT, root], { stdio: ['pipe', 'ignore', 'pipe'] });
    let text = '';
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, text }));
    child.stdin.end(JSON.stringify({ whiteouts, opaque }));
  });
  if (stderr.code !== 0) {
    const last = stderr.text.trim().split('\n').pop() || `exit status ${stderr.code}`;
    throw new Failure(`${what}: writing overlay whiteouts: ${last}`, 'system');
  }
}
