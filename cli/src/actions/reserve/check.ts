/** `vaoci reserve check`: reserve, then allocate, and say whether every allocation stayed inside. */
import { check, checkOutcome, renderCheck } from '../../lib/check';
import { type Algorithm, algorithmOption, countOption, windowOption } from '../../lib/options';
import type { CheckReport } from '../../lib/reports';
import { action } from '../action';

export default action<CheckReport>({
  id: 'reserve:check',
  strict: true,
  args: {},
  flags: {
    'va-limit': windowOption({ required: true }),
    algo: algorithmOption(),
    samples: countOption('samples', 1, 1_000_000, 'Allocations of each kind to sample (default 1000).'),
  },
  async run({ flags }, out) {
    const report = await check({
      window: flags['va-limit'] as string,
      algorithm: flags.algo as Algorithm | undefined,
      samples: flags.samples as number | undefined,
    });
    out.log(renderCheck(report));
    return checkOutcome(report);
  },
});
