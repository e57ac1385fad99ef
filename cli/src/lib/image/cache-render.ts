/** How `vaoci rmi` and `vaoci prune` print for a person: one line per thing removed, then the bytes freed. */
import { formatBytes, plural } from '../format';
import type { PruneResult, RemovedImage, RmiResult } from './cache-remove';

function image(i: RemovedImage): string {
  return `image ${i.id}${i.references.length ? ` (${i.references.join(', ')})` : ''}`;
}

/** renderRmi lists the images removed, the layers kept for their containers, and what was freed. */
export function renderRmi(r: RmiResult): string {
  const lines = r.removed.map((i) => `removed ${image(i)}`);
  if (r.kept_layers.length)
    lines.push(`kept ${plural(r.kept_layers.length, 'layer')} containers still use: vaoci rm them, then vaoci prune`);
  lines.push(`freed ${formatBytes(r.freed_bytes)} (${plural(r.layers.length, 'layer')})`);
  return lines.join('\n');
}

/** renderPrune lists the containers, images, layers and leftovers removed, and what was freed. */
export function renderPrune(r: PruneResult): string {
  return [
    ...r.containers.map((id) => `removed container ${id}`),
    ...r.images.map((i) => `removed ${image(i)}`),
    ...r.layers.map((l) => `removed layer ${l}`),
    ...r.partial.map((p) => `removed leftover ${p}`),
    `freed ${formatBytes(r.freed_bytes)}`,
  ].join('\n');
}
