/**
 * `vaoci verify`: classify a live process's address space against a window
 * (vaoci-reserve --json verify), and draw it as an SVG on request.
 */
import * as fs from 'node:fs';
import { classify } from './addrspace';
import { writeAtomic } from './atomic';
import { Failure, badInput } from './errors';
import { formatBytes, plural } from './format';
import { readMaps } from './maps';
import type { FailureReport, VerifyReport } from './reports';
import { validate } from './schema';
import { renderSvg } from './svg';
import { type RunOptions, fullReport, runTool } from './tool';
import { verifyLine, windowText } from './check';

/** VerifyResult is what `vaoci verify --json` prints (schemas/cli-verify.schema.json): the tool's report and the SVG written, if any. */
export interface VerifyResult {
  report: VerifyReport | FailureReport<'verify'>;
  svg: string | null;
}

/** VerifyOptions are the flags of `vaoci verify`. */
export interface VerifyOptions {
  pid: number;
  window: string;
  svg?: string;
}

/**
 * verify runs vaoci-reserve verify on the process and, when asked, reads
 * the same process's maps and writes the picture. A tool failure carries
 * {report, svg: null} for --json.
 */
export async function verify(o: VerifyOptions, opts: RunOptions = {}): Promise<VerifyResult> {
  if (!fs.existsSync(`/proc/${o.pid}`)) throw badInput(`--pid \`${o.pid}\`: no such process; expected a running process's id`);
  let report: VerifyReport;
  try {
    report = fullReport(await runTool('verify', ['--pid', String(o.pid), '--va-limit', o.window], opts));
  } catch (e) {
    if (e instanceof Failure && e.document) throw e.withDocument(checked({ report: e.document as FailureReport<'verify'>, svg: null }));
    throw e;
  }
  if (o.svg) writeAtomic(o.svg, renderSvg({ report, regions: classify(readMaps(o.pid), report.verify, report.window) }));
  return checked({ report, svg: o.svg ?? null });
}

/** checked validates a result against schemas/cli-verify.schema.json before it is returned. */
function checked(r: VerifyResult): VerifyResult {
  const problems = validate('cli-verify', r);
  if (problems.length) throw new Failure(`verify: result breaks schemas/cli-verify.schema.json: ${problems[0]}`, 'tool');
  return r;
}

/** renderVerify prints the verdict, the classification, the free gaps outside the window and the SVG's path. */
export function renderVerify(r: VerifyResult): string {
  const rep = r.report as VerifyReport;
  const v = rep.verify;
  const lines = [
    `vaoci verify: pid ${v.pid} against window ${windowText(rep.window)} ${v.holds ? 'holds' : 'DOES NOT HOLD'}`,
    `  ${verifyLine(v)}`,
  ];
  for (const g of v.free.list) lines.push(`  free: ${g.start}-${g.end} (${formatBytes(BigInt(g.end) - BigInt(g.start))})`);
  if (v.free.regions > v.free.list.length) lines.push(`  … and ${plural(v.free.regions - v.free.list.length, 'more free gap')}`);
  if (r.svg) lines.push(`  picture: ${r.svg}`);
  return lines.join('\n');
}

/** verifyOutcome returns a verify that held, or fails (exit 1) saying how much is free outside the window. */
export function verifyOutcome(r: VerifyResult): VerifyResult {
  const rep = r.report as VerifyReport;
  if (rep.ok) return r;
  const v = rep.verify;
  throw new Failure(
    `pid ${v.pid}: window ${rep.window.text} does not hold: ${formatBytes(v.free.bytes)} free outside it in ${plural(v.free.regions, 'gap')}`,
    'failed',
    r,
  );
}
