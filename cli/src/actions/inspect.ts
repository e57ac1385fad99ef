/** `vaoci inspect ID`: one local container and its poststart report, JSON by default as podman's. */
import { formatOption } from '../lib/options';
import { type Inspected, inspect } from '../lib/run/containers';
import { renderInspect } from '../lib/run/render';
import { StateDir } from '../lib/run/state';
import { action } from './action';

export default action<Inspected>({
  id: 'inspect',
  strict: true,
  args: { id: { name: 'id', required: true, description: 'A container id, or a unique prefix of one.' } },
  flags: { format: formatOption() },
  async run({ args, flags }, out) {
    const result = await inspect(new StateDir(), args.id as string);
    if (flags.format === 'text') out.log(renderInspect(result));
    else if (!out.jsonEnabled()) out.logJson(result); // with --json, the returned document is printed by the caller
    return result;
  },
});
