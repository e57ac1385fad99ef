/**
 * The poststart report of a local container (schemas/hook-report.schema.json),
 * once it is final: under runc 1.1 the hook first writes `pending` and a
 * watcher replaces it with the verdict moments later.
 */
import * as fs from 'node:fs';
import { Failure } from '../errors';
import { validate } from '../schema';

/** HookReport is the part of a report `vaoci run` shows; the rest stays as written. */
export interface HookReport {
  status: string;
  ok: boolean;
  message: string;
  window: { text: string };
  [key: string]: unknown;
}

const WAIT_MS = 3000;

/** readReport returns the report at `file` once it is not pending (waiting up to 3 s), or null when there is none. */
export async function readReport(file: string): Promise<HookReport | null> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    let doc: HookReport | null = null;
    try {
      doc = JSON.parse(fs.readFileSync(file, 'utf8')) as HookReport;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      if (Date.now() > deadline) throw new Failure(`\`${file}\`: not a JSON report`, 'tool');
    }
    if (doc && (doc.status !== 'pending' || Date.now() > deadline)) {
      const problems = validate('hook-report', doc);
      if (problems.length) throw new Failure(`\`${file}\` ${problems[0]}`, 'tool');
      return doc;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
