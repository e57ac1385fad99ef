/**
 * Output without Node's stream stack: the first use of process.stdout loads
 * node:stream and its dependents (~2.5 ms of a lean command's start), so
 * lean commands write with fs.writeSync to the inherited descriptors. A
 * descriptor that is non-blocking and full (EAGAIN) hands the rest, and
 * every later write, to process.stdout / process.stderr, which wait for it;
 * a closed reader (EPIPE: `vaoci ps | head -1`) ends the output quietly.
 */
import * as fs from 'node:fs';

const streamed = new Set<number>();

/** writeText writes `text` whole to fd 1 or 2, in order with every earlier writeText. */
export function writeText(fd: 1 | 2, text: string): void {
  // process.stdout is a getter that builds the stream: touched only when falling back
  const stream = (): NodeJS.WriteStream => (fd === 1 ? process.stdout : process.stderr);
  if (streamed.has(fd)) {
    stream().write(text);
    return;
  }
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length;) {
    try {
      off += fs.writeSync(fd, buf, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw e;
      streamed.add(fd);
      stream().write(buf.subarray(off));
      return;
    }
  }
}
