/**
 * The image config: parsed, and checked for what unpacking and running
 * rely on (an architecture and os, one diff_id per layer, argv as arrays).
 */
import { badInput } from '../errors';
import { digestHex } from './digest';
import type { ImageConfig } from './source';

/** parseConfig parses config bytes and checks their shape; problems are one line naming the reference and the key. */
export function parseConfig(bytes: Buffer, reference: string): ImageConfig {
  const fail = (what: string): Error => badInput(`image \`${reference}\`: config ${what}`);
  let c: ImageConfig;
  try {
    c = JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch {
    throw fail('is not JSON — expected an OCI image config');
  }
  if (typeof c !== 'object' || c === null) throw fail('is not an object — expected an OCI image config');
  for (const key of ['architecture', 'os'] as const) {
    if (typeof c[key] !== 'string' || !c[key]) throw fail(`/${key}: ${JSON.stringify(c[key])} — expected a non-empty string`);
  }
  if (c.rootfs?.type !== 'layers' || !Array.isArray(c.rootfs.diff_ids))
    throw fail('/rootfs: expected {"type": "layers", "diff_ids": [...]}');
  c.rootfs.diff_ids.forEach((d, i) => digestHex(d, `image \`${reference}\`: config /rootfs/diff_ids/${i}`));
  for (const key of ['Entrypoint', 'Cmd', 'Env'] as const) {
    const v = c.config?.[key];
    if (v !== undefined && v !== null && !(Array.isArray(v) && v.every((s) => typeof s === 'string'))) {
      throw fail(`/config/${key}: ${JSON.stringify(v).slice(0, 64)} — expected an array of strings or null`);
    }
  }
  return c;
}

/** checkConfig checks that the manifest's layers and the config's diff_ids pair up. */
export function checkConfig(c: ImageConfig, layers: number, reference: string): void {
  if (c.rootfs.diff_ids.length !== layers) {
    throw badInput(
      `image \`${reference}\`: config /rootfs/diff_ids lists ${c.rootfs.diff_ids.length} layers — expected ${layers}, one per layer of the manifest`,
    );
  }
}
