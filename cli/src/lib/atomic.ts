/**
 * writeAtomic: a file appears whole or not at all — written to a temporary
 * file in the same directory, flushed to disk, then renamed over the target.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure } from './errors';
import { randomHex } from './random';

/** writeSynced writes a whole file with exactly `mode` (whatever the umask) and flushes it to disk before returning: the half a rename publishes. */
export function writeSynced(file: string, data: string | Buffer, mode: number, flags: 'w' | 'wx'): void {
  const fd = fs.openSync(file, flags, mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fchmodSync(fd, mode);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** writeAtomic writes `text` to `file` (with `mode`) through a temporary file and rename; a failure names the file and leaves no temporary behind. */
export function writeAtomic(file: string, text: string | Buffer, mode = 0o644): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomHex(4)}.tmp`);
  try {
    writeSynced(tmp, text, mode, 'wx');
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new Failure(`write \`${file}\`: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'system');
  }
}
