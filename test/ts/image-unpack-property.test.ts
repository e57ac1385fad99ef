/**
 * Property test (fast-check) of the layer unpacker: generated images of one
 * or two layers, each a random run of files, directories, symlinks (inside,
 * climbing out, absolute to a sentinel outside), hard links, whiteouts,
 * opaque markers and FIFOs, under hostile names (`..`, absolute, `.`,
 * empty components, long and non-ASCII names), unpacked as root on real
 * files. For every image: the unpacker either succeeds or fails with a
 * Failure of one line naming the layer a model says must fail; nothing
 * outside the cache changes and the cache holds only finished layers; and
 * every layer it unpacked is exactly the tree a model of the rules in
 * cli/src/lib/image/layer-writer.ts and overlay-marks.ts predicts (types,
 * contents, link targets, which paths share an inode, whiteout devices,
 * opaque directories). Metadata (owners, modes, mtimes) is image-unpack.test.ts's.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import fc from 'fast-check';
import { Failure } from '../../cli/src/lib/errors';
import { layerDir, unpackImage } from '../../cli/src/lib/image/unpack';
import { type Entry, type Layer, layer, loadLayers, tmpDir } from './image-fixtures';

const work = tmpDir('unpack-property');
const cache = path.join(work, 'cache');
const outside = path.join(work, 'outside');
const UP = '../'.repeat(12);
let images = 0;
let snapshotter: ChildProcessWithoutNullStreams;
let replies: AsyncIterableIterator<string>;

beforeAll(() => {
  fs.mkdirSync(path.join(outside, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'keep'), 'sentinel');
  snapshotter = spawn('python3', ['-c', SNAPSHOT]);
  replies = readline.createInterface({ input: snapshotter.stdout })[Symbol.asyncIterator]();
});
afterAll(() => {
  snapshotter.kill();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Gen is one generated entry. */
type Gen =
  | { kind: 'file'; name: string; content: string }
  | { kind: 'directory'; name: string }
  | { kind: 'symlink' | 'link'; name: string; target: string }
  | { kind: 'fifo'; name: string };

const component = fc.constantFrom('a', 'b', 'c', '..', '.', '', 'd e', 'ü', 'x'.repeat(100));
const prefix = fc.constantFrom('', '', '', '/', './', '../', UP);
// Directories and the paths below them share a few names; leaves more often have their own, so that not every
// image trips over a file where a later entry wants a directory. Never the empty string: tar-stream's packer
// would name such an entry `PaxHeader` when it needs a PAX record.
const name = fc
  .tuple(prefix, fc.array(component, { minLength: 1, maxLength: 3 }))
  .map(([p, cs]) => p + cs.join('/'))
  .filter((n) => n !== '');
const leaf = fc
  .tuple(prefix, fc.array(component, { maxLength: 2 }), fc.constantFrom('f', 'g', 'h', 'a', 'b', '..', 'é'))
  .map(([p, cs, l]) => p + [...cs, l].join('/'));
const target = fc.oneof(
  name,
  leaf,
  fc.constantFrom('', '.', '/etc', outside, `${outside}/keep`, `${UP}${outside.slice(1)}`, `/proc/self/root${outside}`),
);
const whiteout = fc
  .tuple(
    fc.constantFrom('', 'a/', 'b/', 'a/b/', '../a/'),
    fc.constantFrom('.wh.a', '.wh.b', '.wh.c', '.wh..wh..opq', '.wh.', '.wh...', '.wh..wh.plnk'),
  )
  .map(([dir, base]) => ({ kind: 'file' as const, name: dir + base, content: '' }));
const entry: fc.Arbitrary<Gen> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('file' as const), name: leaf, content: fc.constantFrom('', 'x', 'hello') }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('directory' as const),
      name: fc.oneof(name, fc.constantFrom('a', 'b', 'a/b')).map((n) => `${n}/`),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('symlink' as const), name: leaf, target }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('link' as const), name: leaf, target: fc.oneof(leaf, name) }) },
  { weight: 3, arbitrary: whiteout },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fifo' as const), name }) },
);
// Two of three hard links name an earlier entry of their layer, so that some succeed.
const layerEntries = fc
  .tuple(fc.array(entry, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { minLength: 6, maxLength: 6 }))
  .map(([es, picks]) => es.map((e, i) => (e.kind === 'link' && i > 0 && picks[i] % 3 ? { ...e, target: es[picks[i] % i].name } : e)));
const image = fc.array(layerEntries, { minLength: 1, maxLength: 2 });

function toEntry(g: Gen): Entry {
  if (g.kind === 'file') return { name: g.name, content: g.content };
  if (g.kind === 'symlink' || g.kind === 'link') return { name: g.name, type: g.kind, linkname: g.target };
  return { name: g.name, type: g.kind };
}

// ---- the model -------------------------------------------------------------

/** MNode is a path of the model: a directory (opaque or not), a file or symlink (id: its inode), a whiteout. */
type MNode = { t: 'd'; o?: boolean } | { t: 'f'; c: string; id: number } | { t: 'l'; l: string; id: number } | { t: 'c' };

/** parts: the name's components inside the root (`..` stops at the root). */
function parts(n: string): string[] {
  const out: string[] = [];
  for (const p of n.split('/')) {
    if (p === '..') out.pop();
    else if (p !== '' && p !== '.') out.push(p);
  }
  return out;
}

class Refused extends Error {}

/** modelLayer: the tree one layer's entries make, or the index of the entry it refuses. */
function modelLayer(entries: Gen[]): Map<string, MNode> | number {
  const tree = new Map<string, MNode>([['', { t: 'd' }]]);
  const key = (p: string[]): string => p.join('/');
  const isDirs = (p: string[]): boolean => p.every((_, i) => tree.get(key(p.slice(0, i + 1)))?.t === 'd');
  const parents = (p: string[]): void => {
    for (let i = 1; i < p.length; i++) {
      const n = tree.get(key(p.slice(0, i)));
      if (!n) tree.set(key(p.slice(0, i)), { t: 'd' });
      else if (n.t !== 'd') throw new Refused();
    }
  };
  const clear = (p: string[], keepDir: boolean): void => {
    const k = key(p);
    const n = tree.get(k);
    if (!n || (n.t === 'd' && keepDir)) return;
    tree.delete(k);
    if (n.t === 'd') for (const other of [...tree.keys()]) if (other.startsWith(`${k}/`)) tree.delete(other);
  };
  const whiteouts: string[][] = [];
  const opaque: string[][] = [];
  let id = 0;
  for (const [i, e] of entries.entries()) {
    const p = parts(e.name);
    const base = p[p.length - 1] ?? '';
    try {
      if (base.startsWith('.wh.')) {
        parents(p);
        if (base === '.wh..wh..opq') opaque.push(p.slice(0, -1));
        else if (base.startsWith('.wh..wh.')) continue;
        else if (['', '.', '..'].includes(base.slice(4))) throw new Refused();
        else whiteouts.push([...p.slice(0, -1), base.slice(4)]);
        continue;
      }
      if (e.kind === 'directory') {
        if (p.length === 0) continue;
        parents(p);
        clear(p, true);
        if (!tree.has(key(p))) tree.set(key(p), { t: 'd' });
        continue;
      }
      if (p.length === 0) throw new Refused();
      if (e.kind === 'fifo') continue;
      if (e.kind === 'link') {
        const t = parts(e.target);
        const have = t.length && isDirs(t.slice(0, -1)) ? tree.get(key(t)) : undefined;
        if (!have || have.t === 'd') throw new Refused();
        if (key(t) === key(p)) continue;
        parents(p);
        clear(p, false);
        const still = tree.get(key(t)); // clearing p may have removed the directory holding the target
        if (!still) throw new Refused();
        tree.set(key(p), still);
        continue;
      }
      if (e.kind === 'symlink' && !e.target) throw new Refused();
      parents(p);
      clear(p, false);
      tree.set(key(p), e.kind === 'file' ? { t: 'f', c: e.content, id: id++ } : { t: 'l', l: e.target, id: id++ });
    } catch (err) {
      if (err instanceof Refused) return i;
      throw err;
    }
  }
  for (const w of whiteouts) {
    if (!isDirs(w.slice(0, -1))) continue;
    const n = tree.get(key(w));
    if (!n) tree.set(key(w), { t: 'c' });
    else if (n.t === 'd') n.o = true;
  }
  for (const o of opaque) {
    const n = tree.get(key(o));
    if (n?.t === 'd' && isDirs(o)) n.o = true;
  }
  return tree;
}

/** describe turns a model tree into `path: what` lines; paths that share an inode name the first of them. */
function describeModel(tree: Map<string, MNode>): string[] {
  const first = new Map<number, string>();
  const ids = [...tree.keys()].sort().map((k) => [k, tree.get(k) as MNode] as const);
  for (const [k, n] of ids) if ('id' in n && !first.has(n.id)) first.set(n.id, k);
  const shared = (n: MNode): string => ('id' in n && [...tree.values()].filter((m) => m === n).length > 1 ? ` =${first.get(n.id)}` : '');
  return ids.map(
    ([k, n]) =>
      `${k}: ${n.t === 'd' ? `dir${n.o ? ' opaque' : ''}` : n.t === 'f' ? `file ${JSON.stringify(n.c)}` : n.t === 'l' ? `symlink ${n.l}` : 'whiteout'}${shared(n)}`,
  );
}

// ---- the real tree -------------------------------------------------------

/** SNAPSHOT: one python3 for the whole test (Node reads no xattrs; a python3 start costs ~0.1 s), a directory a line in, its tree as JSON a line out. */
const SNAPSHOT = String.raw`
import json, os, stat, sys
def walk(root, rel, out):
    p = os.path.join(root, rel) if rel else root
    st = os.lstat(p)
    if stat.S_ISDIR(st.st_mode):
        try: o = os.getxattr(p, "trusted.overlay.opaque", follow_symlinks=False) == b"y"
        except OSError: o = False
        out[rel] = ["d", o]
        for n in os.listdir(p): walk(root, os.path.join(rel, n) if rel else n, out)
    elif stat.S_ISREG(st.st_mode): out[rel] = ["f", open(p, "rb").read().decode(), st.st_ino, st.st_nlink]
    elif stat.S_ISLNK(st.st_mode): out[rel] = ["l", os.readlink(p), st.st_ino, st.st_nlink]
    elif stat.S_ISCHR(st.st_mode): out[rel] = ["c", st.st_rdev]
    else: out[rel] = ["?"]
for line in sys.stdin:
    out = {}
    walk(line.rstrip("\n"), "", out)
    print(json.dumps(out), flush=True)
`;

/** snapshot reads a real tree the way describeModel writes a model's. */
async function snapshot(dir: string): Promise<string[]> {
  snapshotter.stdin.write(`${dir}\n`);
  const got = JSON.parse((await replies.next()).value as string) as Record<string, [string, ...unknown[]]>;
  const keys = Object.keys(got).sort();
  const first = new Map<unknown, string>();
  for (const k of keys) if (got[k][0] === 'f' || got[k][0] === 'l') first.set(got[k][2], first.get(got[k][2]) ?? k);
  return keys.map((k) => {
    const [t, a, ino, nlink] = got[k];
    const shared = (t === 'f' || t === 'l') && (nlink as number) > 1 ? ` =${first.get(ino)}` : '';
    const what =
      t === 'd'
        ? `dir${a ? ' opaque' : ''}`
        : t === 'f'
          ? `file ${JSON.stringify(a)}`
          : t === 'l'
            ? `symlink ${a}`
            : t === 'c' && a === 0
              ? 'whiteout'
              : `other ${t}`;
    return `${k}: ${what}${shared}`;
  });
}

/** cacheEntries lists what the cache's layer directory holds (each entry's children too). */
function cacheEntries(): string[] {
  const base = path.join(cache, 'layers', 'sha256');
  if (!fs.existsSync(base)) return [];
  return fs.readdirSync(base).map((n) => `${n}:${fs.readdirSync(path.join(base, n)).join(',')}`);
}

test("generated layers: one-line failures where the model refuses, the model's tree where it does not, nothing written outside", async () => {
  const outsideBefore = await snapshot(outside);
  const workBefore = fs.readdirSync(work).filter((n) => n !== 'cache' && n !== 'images');
  let unpacked = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(image, async (gens) => {
      const layers: Layer[] = [];
      for (const l of gens) layers.push(await layer(l.map(toEntry), 'tar'));
      const loaded = await loadLayers(path.join(work, 'images', String(images++)), layers);
      const models = gens.map(modelLayer);
      const refusedAt = models.findIndex((m) => typeof m === 'number');
      let error: unknown;
      await unpackImage(loaded, { cacheDir: cache }).catch((e: unknown) => (error = e));
      if (refusedAt >= 0) {
        refused++;
        expect(error).toBeInstanceOf(Failure);
        const line = (error as Failure).line;
        expect(line).not.toContain('\n');
        // The entry the model refuses, by its parts: tar's ustar prefix/name split may drop a leading `/`.
        const m = /^layer (\d+)\/(\d+) (sha256:[0-9a-f]{64}): entry `([^`]*)`: ./.exec(line);
        expect([m?.[1], m?.[2], m?.[3]]).toEqual([String(refusedAt + 1), String(layers.length), layers[refusedAt].digest]);
        expect(parts(m?.[4] ?? '')).toEqual(parts(gens[refusedAt][models[refusedAt] as number].name));
        expect(fs.existsSync(layerDir(cache, layers[refusedAt].digest))).toBe(false);
      } else {
        unpacked++;
        expect(error).toBeUndefined();
      }
      const done = refusedAt >= 0 ? refusedAt : layers.length;
      for (let i = 0; i < done; i++)
        expect(await snapshot(layerDir(cache, layers[i].digest))).toEqual(describeModel(models[i] as Map<string, MNode>));
      expect(await snapshot(outside)).toEqual(outsideBefore);
      expect(cacheEntries().every((e) => /^[0-9a-f]{64}:fs$/.test(e))).toBe(true);
      expect(fs.readdirSync(work).filter((n) => n !== 'cache' && n !== 'images')).toEqual(workBefore);
      fs.rmSync(path.join(work, 'images', String(images - 1)), { recursive: true });
    }),
    { numRuns: Number(process.env.VAOCI_PROPERTY_RUNS ?? 300), seed: Number(process.env.VAOCI_PROPERTY_SEED ?? 20261125) },
  );
  // Both sides of the model must be exercised, or the property says little.
  expect(unpacked).toBeGreaterThan(30);
  expect(refused).toBeGreaterThan(30);
});
