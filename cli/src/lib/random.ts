/**
 * randomHex: `bytes` random bytes in hex, for names no other writer picks
 * (temporary files, leases). node:crypto is required on first use, not when
 * a module that may write loads: it costs ~3.5 ms of the start of every
 * command that only reads (ps, images, inspect).
 */
export function randomHex(bytes: number): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
  return randomBytes(bytes).toString('hex');
}
