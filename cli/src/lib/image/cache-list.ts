/** `vaoci images`: the cache's images with their sizes, and how it prints them. */
import * as path from 'node:path';
import { formatBytes, plural, table } from '../format';
import type { ContainerEntry } from '../run/state';
import { type CacheView, diskUse, hexOf, shortId, viewCache } from './cache-usage';

/** ListedImage is one row of `vaoci images --json` (schemas/cli-images.schema.json, $defs/image). */
export interface ListedImage {
  id: string;
  config_digest: string;
  references: string[];
  platform: string;
  layers: string[];
  size: number;
  missing_layers: number;
  last_used: string;
  containers: string[];
}

/** ImagesResult is what `vaoci images --json` prints. */
export interface ImagesResult {
  images: ListedImage[];
  layers: { count: number; bytes: number; unused: number; unused_bytes: number };
}

/** listImages lists the images of the cache under `cacheDir`, the most recently used first. */
export function listImages(cacheDir: string, containers: ContainerEntry[]): ImagesResult {
  const view = viewCache(cacheDir, containers);
  const sizes = layerSizes(view);
  const listed = new Set<string>();
  const images = [...view.records]
    .sort((a, b) => b.last_used.localeCompare(a.last_used) || a.config_digest.localeCompare(b.config_digest))
    .map((r): ListedImage => {
      const distinct = [...new Set(r.layers.map(hexOf))];
      distinct.forEach((h) => listed.add(h));
      return {
        id: shortId(r.config_digest),
        config_digest: r.config_digest,
        references: r.references,
        platform: r.platform,
        layers: r.layers,
        size: distinct.reduce((s, h) => s + (sizes.get(h) ?? 0), 0),
        missing_layers: distinct.filter((h) => !sizes.has(h)).length,
        last_used: r.last_used,
        containers: view.usersOf.get(r.config_digest) ?? [],
      };
    });
  const unused = [...sizes.keys()].filter((h) => !listed.has(h));
  const sum = (hs: string[]): number => hs.reduce((s, h) => s + (sizes.get(h) ?? 0), 0);
  return { images, layers: { count: sizes.size, bytes: sum([...sizes.keys()]), unused: unused.length, unused_bytes: sum(unused) } };
}

/** layerSizes measures every complete layer on disk once. */
function layerSizes(view: CacheView): Map<string, number> {
  return new Map([...view.onDisk].map((h) => [h, diskUse(path.join(view.paths.layers, h))]));
}

/** renderImages is a table like podman images (one row per image, its references joined), then the layers' disk use. */
export function renderImages(r: ImagesResult): string {
  const rows = table(r.images, [
    { header: 'IMAGE ID', get: (i) => i.id },
    { header: 'REFERENCE', get: (i) => (i.references.length ? i.references.join(', ') : '<none>') },
    { header: 'PLATFORM', get: (i) => i.platform },
    {
      header: 'LAYERS',
      get: (i) => String(new Set(i.layers).size) + (i.missing_layers ? ` (${i.missing_layers} missing)` : ''),
      align: 'right',
    },
    { header: 'SIZE', get: (i) => formatBytes(i.size), align: 'right' },
    { header: 'LAST USED', get: (i) => i.last_used },
    { header: 'CONTAINERS', get: (i) => String(i.containers.length), align: 'right' },
  ]);
  const l = r.layers;
  const unused = l.unused ? `; ${plural(l.unused, 'layer')} no image lists (${formatBytes(l.unused_bytes)}): vaoci prune frees them` : '';
  return `${rows}\n${plural(l.count, 'layer')} unpacked, ${formatBytes(l.bytes)}${unused}`;
}
