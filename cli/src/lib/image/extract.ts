/**
 * extractLayer: one layer blob into a directory. The blob's bytes pass
 * through a digest check (the manifest's digest and size), a decompressor
 * chosen by the first bytes, a second check against the config's diff_id,
 * then tar-stream, whose entries LayerWriter applies one at a time.
 * A mismatch fails the stream before it ends, so the caller discards the
 * directory; any failure is one line naming the layer.
 */
import { PassThrough, Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { Failure, badInput } from '../errors';
import { type Compression, sniff } from './compression';
import { decoder } from './decoder';
import { DigestCheck } from './digest-check';
import { LayerWriter, type TarHeader } from './layer-writer';
import type { LayerBlob } from './source';

/** ExtractResult says what the layer was and which entries were skipped on purpose (devices, FIFOs). */
export interface ExtractResult {
  compression: Compression;
  skipped: string[];
}

/** extractLayer writes `layer` under `dest` (an existing empty directory); `what` names the layer in errors. */
export async function extractLayer(layer: LayerBlob, dest: string, what: string, onBytes?: (done: number) => void): Promise<ExtractResult> {
  const opened = await layer.open();
  const source = opened instanceof Readable ? opened : new Readable().wrap(opened);
  const head = await peek(source, 4);
  const compression = sniff(head);
  const blobCheck = new DigestCheck({ digest: layer.digest, size: layer.size, what: `${what}: blob`, onBytes });
  const dec = decoder(compression, what);
  const writer = new LayerWriter(dest, what);
  const extract = tar.extract();
  extract.on('entry', (h, body, next) => {
    body.on('error', () => undefined); // the for-await in apply() sees it; this only keeps it from being unhandled
    writer.apply(h as TarHeader, body as AsyncIterable<Buffer>).then(() => next(), next);
  });
  try {
    await pipeline(source, blobCheck, dec.stream, diffCheck(layer, compression, what), extract);
  } catch (e) {
    const helper = await dec.failure(e instanceof Failure ? undefined : e);
    throw e instanceof Failure ? e : (helper ?? describe(e, what, compression));
  }
  await writer.finish();
  return { compression, skipped: writer.skipped };
}

/** diffCheck checks the uncompressed tar against the config's diff_id, unless the blob check already did (an uncompressed layer named by it). */
function diffCheck(layer: LayerBlob, c: Compression, what: string): Transform {
  if (!layer.diffId || (c === 'tar' && layer.diffId === layer.digest)) return new PassThrough();
  return new DigestCheck({ digest: layer.diffId, what: `${what}: uncompressed tar (the config's diff_id)` });
}

/** describe turns a decompressor's or tar-stream's error into one line. */
function describe(e: unknown, what: string, c: Compression): Error {
  const err = e as NodeJS.ErrnoException;
  const message = (err?.message ?? String(e)).split('\n')[0];
  if (err?.code?.startsWith('Z_') || err?.errno === -3) return badInput(`${what}: gzip: ${message} — expected a valid gzip stream`);
  if (err?.syscall) return new Failure(`${what}: ${err.syscall}: ${err.code ?? message}`, 'system');
  return badInput(
    `${what}: ${c === 'tar' ? '' : `${c} → `}tar: ${message.replace(/\.?\s*Maybe the tar is corrupted or it needs to be gunzipped\?/, '')} — expected a valid layer tar`,
  );
}

/** peek reads the first `n` bytes of a paused stream and puts them back. */
async function peek(r: Readable, n: number): Promise<Buffer> {
  let head = Buffer.alloc(0);
  while (head.length < n) {
    const chunk = r.read() as Buffer | null;
    if (chunk !== null) {
      head = Buffer.concat([head, chunk]);
      continue;
    }
    if (r.readableEnded || r.destroyed) break;
    await new Promise<void>((resolve, reject) => {
      const done = (e?: Error): void => {
        r.off('readable', ok).off('end', ok).off('error', done);
        if (e) reject(e);
        else resolve();
      };
      const ok = (): void => done();
      r.on('readable', ok).on('end', ok).on('error', done);
    });
  }
  if (head.length) r.unshift(head);
  return head;
}
