/** `vaoci validate FILE…`: are a workload's vaoci.io/ annotations right? */
import { filesArg, inputFileOption } from '../lib/options';
import { type ValidateResult, renderValidate, validateFiles, validateOutcome } from '../lib/validate';
import { action } from './action';

export default action<ValidateResult>({
  id: 'validate',
  strict: false,
  args: { files: filesArg('Files to check: annotations JSON, OCI config.json, Kubernetes YAML or JSON.') },
  flags: { 'node-config': inputFileOption('node-config', 'Also check this node config (/etc/vaoci/config.json).') },
  async run({ argv, flags }, out) {
    const result = validateFiles(argv as string[], flags['node-config'] as string | undefined);
    out.log(renderValidate(result));
    return validateOutcome(result);
  },
});
