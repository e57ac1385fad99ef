/** `vaoci probe`: this machine's address space, as vaoci-reserve sees it. */
import { probe, renderProbe } from '../lib/probe';
import type { ProbeReport } from '../lib/reports';
import { action } from './action';

export default action<ProbeReport>({
  id: 'probe',
  strict: true,
  args: {},
  flags: {},
  async run(_parsed, out) {
    const report = await probe();
    out.log(renderProbe(report));
    return report;
  },
});
