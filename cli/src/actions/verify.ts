/** `vaoci verify --pid N --va-limit W`: does a running process keep to its window? */
import { PID_MAX, countOption, outputFileOption, windowOption } from '../lib/options';
import { type VerifyResult, renderVerify, verify, verifyOutcome } from '../lib/verify';
import { action } from './action';

export default action<VerifyResult>({
  id: 'verify',
  strict: true,
  args: {},
  flags: {
    pid: countOption('pid', 1, PID_MAX, 'The process to verify.', { required: true }),
    'va-limit': windowOption({ required: true }),
    svg: outputFileOption('svg', 'Also draw the address space as an SVG picture to this file.'),
  },
  async run({ flags }, out) {
    const result = await verify({ pid: flags.pid as number, window: flags['va-limit'] as string, svg: flags.svg as string | undefined });
    out.log(renderVerify(result));
    return verifyOutcome(result);
  },
});
