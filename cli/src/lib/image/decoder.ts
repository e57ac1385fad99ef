/**
 * Decompressors for layer blobs: gzip through zlib, zstd through the `zstd`
 * program (Node 20's zlib has none), plain tars as they are. A zstd failure
 * is reported as zstd's own message, not as the broken pipe it causes.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { Duplex, PassThrough, Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { badInput } from '../errors';
import { type Compression, findProgram } from './compression';

/** Decoder is a stream from blob bytes to tar bytes, and how to ask, once it is over, why it failed. */
export interface Decoder {
  stream: Duplex;
  /** failure, given what broke the pipeline, stops a helper process, or waits for it when it broke the pipe, and returns its own error if it had one. */
  failure(cause: unknown): Promise<Error | undefined>;
}

/** decoder returns the decompressor for a compression; `what` names the layer in errors. */
export function decoder(c: Compression, what: string): Decoder {
  if (c === 'gzip') return { stream: zlib.createGunzip(), failure: async () => undefined };
  if (c === 'zstd') return zstd(what);
  return { stream: new PassThrough(), failure: async () => undefined };
}

function zstd(what: string): Decoder {
  if (!findProgram('zstd')) {
    throw badInput(
      `${what}: zstd-compressed, and no \`zstd\` program on PATH to decompress it (Node has no zstd) — expected zstd installed`,
    );
  }
  const child: ChildProcessWithoutNullStreams = spawn('zstd', ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => resolve(code));
    child.on('error', () => resolve(-1));
  });
  const reason = async (): Promise<Error | undefined> => {
    const code = await exited;
    if (code === 0) return undefined;
    const last = stderr
      .trim()
      .split('\n')
      .pop()
      ?.replace(/^zstd: /, '')
      .replace(/^\/\*stdin\*\\\s*:\s*/, '');
    return badInput(`${what}: zstd: ${last || `exit status ${code}`} — expected a valid zstd stream`);
  };
  // The tar side ends only once zstd has exited well, so a truncated frame is zstd's error, not a short tar.
  const out = new Transform({
    transform: (chunk, _enc, cb) => cb(null, chunk),
    flush: (cb) => void reason().then((e) => cb(e ?? null)),
  });
  child.stdout.pipe(out);
  child.stdin.on('error', () => undefined); // EPIPE when zstd stops early: its exit status says why
  const stream = Duplex.from({ writable: child.stdin, readable: out });
  return {
    stream,
    failure: async (cause) => {
      const code = (cause as NodeJS.ErrnoException | undefined)?.code;
      if (child.exitCode !== null || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') return reason();
      child.kill(); // still running: the failure was elsewhere
      await exited;
      return undefined;
    },
  };
}
