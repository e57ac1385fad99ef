/**
 * Content digests: what a descriptor's `digest` may be (sha256 only, as
 * every image tool writes), and the SHA-256 of content (digest-check.ts
 * checks a stream against one).
 */
import { badInput } from '../errors';

const SHA256 = /^sha256:([0-9a-f]{64})$/;

/** sha256Hash is a new SHA-256; node:crypto is required on first use (~3.5 ms), not by commands that only name digests (images). */
export function sha256Hash(): import('node:crypto').Hash {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('node:crypto') as typeof import('node:crypto')).createHash('sha256');
}

/** digestHex returns the hex of a `sha256:<64 hex>` digest, or throws one line naming `what` and the value. */
export function digestHex(digest: unknown, what: string): string {
  const m = typeof digest === 'string' ? SHA256.exec(digest) : null;
  if (!m) throw badInput(`${what}: digest ${JSON.stringify(digest)} — expected sha256:<64 lower-case hex digits>`);
  return m[1];
}

/** sha256Of is the `sha256:<hex>` digest of a buffer. */
export function sha256Of(data: Buffer): string {
  return `sha256:${sha256Hash().update(data).digest('hex')}`;
}

/** shortDigest is `sha256:` and the first 12 hex digits, for progress labels. */
export function shortDigest(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}
