/**
 * `vaoci ps`, `vaoci inspect`, `vaoci rm`: the index's containers, one with
 * its report, and removing one — the runtime's record, the rootfs mount,
 * the bundle, the report, the index entry, in that order, so a failure
 * half-way leaves an entry `vaoci rm` can finish later.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure } from '../errors';
import { unmountRootfs } from '../image/rootfs';
import { readReport, type HookReport } from './report';
import { deleteContainer } from './runtime';
import type { ContainerEntry, StateDir } from './state';

/** Inspected is what `vaoci inspect --json` prints (schemas/cli-inspect.schema.json). */
export interface Inspected {
  container: ContainerEntry;
  report: HookReport | null;
}

/** inspect returns one container (by id or unique prefix) with its report. */
export async function inspect(state: StateDir, id: string): Promise<Inspected> {
  const container = state.find(id);
  return { container, report: container.report ? await readReport(container.report) : null };
}

/** mounted tells whether `dir` is a mount point (from this process's mountinfo). */
function mounted(dir: string): boolean {
  const fields = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4]);
  return fields.includes(dir);
}

/** removeContainer forgets one container for good; it refuses one that is still running unless `force`. */
export async function removeContainer(state: StateDir, c: ContainerEntry, force = true): Promise<void> {
  if (c.status === 'running' && !force) {
    throw new Failure(`ID \`${c.id}\`: still running — expected an exited container, or --force`, 'invalid');
  }
  await deleteContainer(c.runtime, c.id);
  const rootfs = path.join(c.bundle, 'rootfs');
  if (fs.existsSync(rootfs) && mounted(rootfs)) {
    await unmountRootfs(c.bundle).catch((e: unknown) => {
      if (mounted(rootfs)) throw e; // gone meanwhile (a concurrent rm): nothing left to do
    });
  }
  fs.rmSync(c.bundle, { recursive: true, force: true });
  if (c.report) fs.rmSync(c.report, { force: true });
  fs.rmSync(path.join(state.reports, `${c.id}.json`), { force: true });
  state.update((all) => all.filter((e) => e.id !== c.id));
}
