/** `vaoci doctor`: can this node run x86 containers with a window, and what is missing. */
import { type Check, type NodeSummary, diagnose, summarize } from '../lib/doctor/checks';
import { doctorFacts } from '../lib/doctor/facts';
import { renderDoctor } from '../lib/doctor/render';
import { Failure } from '../lib/errors';
import { Host } from '../lib/node/host';
import { nodeOptions } from '../lib/node/options';
import { DEFAULT_PREFIX } from '../lib/node/plan';
import { action } from './action';

/** DoctorResult is what `vaoci doctor --json` prints (schemas/cli-doctor.schema.json). */
export interface DoctorResult {
  ok: boolean;
  checks: Check[];
  node: NodeSummary;
}

export default action<DoctorResult>({
  id: 'doctor',
  strict: true,
  args: {},
  flags: { ...nodeOptions },
  async run({ flags }, out) {
    const facts = await doctorFacts(
      new Host((flags['host-root'] as string | undefined) ?? '/'),
      (flags.prefix as string | undefined) ?? DEFAULT_PREFIX,
    );
    const checks = diagnose(facts);
    const result = { ok: checks.every((c) => c.status !== 'fail'), checks, node: summarize(facts) };
    out.log(renderDoctor(checks));
    if (!result.ok)
      throw new Failure(
        `${checks
          .filter((c) => c.status === 'fail')
          .map((c) => c.name)
          .join(', ')} failed`,
        'failed',
        result,
      );
    return result;
  },
});
