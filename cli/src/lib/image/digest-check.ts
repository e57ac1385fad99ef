/**
 * A pass-through stream that hashes and counts what flows through it and
 * fails at the end when the content is not what it claims to be (apart
 * from digest.ts, so that naming digests loads no streams).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { badInput } from '../errors';
import { sha256Hash } from './digest';

/** DigestCheckOptions: the digest and size the content must have, how to name it in errors, and who wants byte counts. */
export interface DigestCheckOptions {
  digest: string;
  size?: number;
  what: string;
  onBytes?: (done: number) => void;
}

/**
 * DigestCheck passes bytes through unchanged while hashing them; it fails
 * as soon as more bytes than `size` arrive, and at the end when the count or
 * the sha256 differ. Downstream sees the error before the stream ends, so a
 * consumer never mistakes tampered content for complete content.
 */
export class DigestCheck extends Transform {
  private readonly hash = sha256Hash();
  private done = 0;

  constructor(private readonly opts: DigestCheckOptions) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.done += chunk.length;
    if (this.opts.size !== undefined && this.done > this.opts.size) {
      cb(badInput(`${this.opts.what}: more than the ${this.opts.size} bytes its descriptor says`));
      return;
    }
    this.hash.update(chunk);
    this.opts.onBytes?.(this.done);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const { size, digest, what } = this.opts;
    if (size !== undefined && this.done !== size) {
      cb(badInput(`${what}: ${this.done} bytes — expected ${size} (the descriptor's size)`));
      return;
    }
    const got = `sha256:${this.hash.digest('hex')}`;
    cb(got === digest ? null : badInput(`${what}: content hashes to ${got} — expected ${digest}`));
  }
}
