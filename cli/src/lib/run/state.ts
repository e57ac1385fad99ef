/**
 * vaoci run's state: one directory (STATE: $VAOCI_STATE, default
 * /var/lib/vaoci) holding the layer cache, one directory per container
 * (its bundle), the hook's reports, a node config for the local runs, and
 * index.json (schemas/run-index.schema.json), changed only under a lock and
 * written atomically, so concurrent `vaoci run`s never lose an entry.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomic } from '../atomic';
import { Failure } from '../errors';
import { validate } from '../schema';

/**
 * NAME_ANNOTATION holds a container's --name. The index's entries have no
 * name field (schemas/run-index.schema.json: ids are 12 hex digits, and no
 * other property), so the name rides with the annotations — a key outside
 * vaoci.io/, which the policy ignores — and reaches config.json as podman's
 * and CRI's names do.
 */
export const NAME_ANNOTATION = 'io.vaoci.name';

/** nameOf is a container's --name, if it was given one. */
export function nameOf(c: ContainerEntry): string | undefined {
  return c.annotations[NAME_ANNOTATION];
}

/** DEFAULT_STATE is where the state lives unless $VAOCI_STATE says otherwise. */
export const DEFAULT_STATE = '/var/lib/vaoci';

/** ContainerEntry is one container in the index. */
export interface ContainerEntry {
  id: string;
  image: string;
  config_digest: string;
  image_arch: string;
  runtime: string;
  args: string[];
  annotations: Record<string, string>;
  bundle: string;
  created: string;
  finished: string | null;
  status: 'created' | 'running' | 'exited';
  exit_code: number | null;
  report: string | null;
}

interface Index {
  version: 1;
  containers: ContainerEntry[];
}

/** StateDir names the parts of the state directory. */
export class StateDir {
  constructor(readonly root: string = process.env.VAOCI_STATE || DEFAULT_STATE) {}

  get cache(): string {
    return path.join(this.root, 'cache');
  }
  /** tmp holds pulls in progress (registry.ts): one directory each, gone once read. */
  get tmp(): string {
    return path.join(this.root, 'tmp');
  }
  get reports(): string {
    return path.join(this.root, 'reports');
  }
  get nodeConfig(): string {
    return path.join(this.root, 'node-config.json');
  }
  get log(): string {
    return path.join(this.root, 'vaoci.log');
  }
  container(id: string): string {
    return path.join(this.root, 'containers', id);
  }
  private get index(): string {
    return path.join(this.root, 'index.json');
  }

  /** ensure creates the directories (0700: bundles and reports are root's). */
  ensure(): void {
    for (const d of [this.root, this.cache, this.reports, path.join(this.root, 'containers')])
      fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  }

  /** list reads the index (empty when there is none yet); a broken index is one line, not a guess. */
  list(): ContainerEntry[] {
    let text: string;
    try {
      text = fs.readFileSync(this.index, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Failure(`\`${this.index}\`: ${(e as NodeJS.ErrnoException).code}`, 'system');
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new Failure(`\`${this.index}\`: not JSON — expected the index of schemas/run-index.schema.json`, 'system');
    }
    const problems = validate('run-index', doc);
    if (problems.length) throw new Failure(`\`${this.index}\` ${problems[0]}`, 'system');
    return (doc as Index).containers;
  }

  /** find returns the entry named `prefix` (--name), else the one whose id starts with it (unique), or fails naming what it found. */
  find(prefix: string): ContainerEntry {
    const all = this.list();
    const named = all.find((c) => prefix && nameOf(c) === prefix);
    if (named) return named;
    const hits = all.filter((c) => c.id.startsWith(prefix));
    if (hits.length === 1) return hits[0];
    if (!hits.length || !prefix) throw new Failure(`ID \`${prefix}\`: no such container — expected an id from \`vaoci ps\``, 'invalid');
    throw new Failure(`ID \`${prefix}\`: matches ${hits.length} containers — expected a longer prefix`, 'invalid');
  }

  /** update changes the index under the lock: `change` gets the entries and returns the new list. */
  update(change: (entries: ContainerEntry[]) => ContainerEntry[]): void {
    this.ensure();
    const release = this.lock();
    try {
      const index: Index = { version: 1, containers: change(this.list()) };
      const problems = validate('run-index', index);
      if (problems.length) throw new Failure(`index.json would break schemas/run-index.schema.json: ${problems[0]}`, 'system');
      writeAtomic(this.index, `${JSON.stringify(index, null, 2)}\n`);
    } finally {
      release();
    }
  }

  /** add adds a new entry, refusing (in one line, under the lock, so two runs cannot both take it) a name another entry has. */
  add(entry: ContainerEntry): void {
    const name = nameOf(entry);
    this.update((all) => {
      const taken = name === undefined ? undefined : all.find((c) => nameOf(c) === name && c.id !== entry.id);
      if (taken) throw nameTaken(name ?? '', taken);
      return [...all.filter((c) => c.id !== entry.id), entry];
    });
  }

  /** checkName fails early (before any unpacking) when `name` is taken; add() checks again under the lock. */
  checkName(name: string | undefined): void {
    const taken = name === undefined ? undefined : this.list().find((c) => nameOf(c) === name);
    if (taken) throw nameTaken(name ?? '', taken);
  }

  /** put adds or replaces one entry. */
  put(entry: ContainerEntry): void {
    this.update((all) => [...all.filter((c) => c.id !== entry.id), entry]);
  }

  /** lock takes STATE/index.lock (O_EXCL, holding our pid); a lock whose holder died is taken over. */
  private lock(): () => void {
    const file = path.join(this.root, 'index.lock');
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
        return () => fs.rmSync(file, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      if (stale(file)) fs.rmSync(file, { force: true });
      else if (Date.now() > deadline) throw new Failure(`\`${file}\`: held by pid ${readOr(file, '?')} for 10 s`, 'system');
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

function nameTaken(name: string, c: ContainerEntry): Failure {
  return new Failure(
    `--name \`${name}\`: already the name of container ${c.id} — expected a name no container in \`vaoci ps\` has (or \`vaoci rm ${name}\` first)`,
    'invalid',
  );
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** stale: the lock's holder is gone (an empty lock is being written, unless it is a second old). */
function stale(file: string): boolean {
  const text = readOr(file, '');
  if (text) return !alive(Number(text));
  try {
    return Date.now() - fs.statSync(file).mtimeMs > 1000;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
