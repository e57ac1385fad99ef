/** `vaoci explain FILE…`: what vaoci would do for each container, and why. */
import { type ExplainResult, explain, explainOutcome, renderExplain } from '../lib/explain';
import type { NodeArch } from '../lib/explain-node';
import {
  type GuestArch,
  filesArg,
  guestArchOption,
  inputDirOption,
  inputFileOption,
  nameOption,
  nodeArchOption,
  nodeLabelsOption,
} from '../lib/options';
import { action } from './action';

export default action<ExplainResult>({
  id: 'explain',
  strict: false,
  args: { files: filesArg('Files or OCI bundle directories: annotations JSON, config.json, Kubernetes YAML or JSON.') },
  flags: {
    'node-config': inputFileOption('node-config', 'Node config to apply (default: /etc/vaoci/config.json when it exists).'),
    'binfmt-dir': inputDirOption(
      'binfmt-dir',
      'Where to read binfmt_misc registrations (default: /proc/sys/fs/binfmt_misc).',
      'a directory of binfmt_misc registrations',
    ),
    container: nameOption('container', 'Explain only the container of this name.'),
    'guest-arch': guestArchOption(),
    'node-arch': nodeArchOption(),
    'node-labels': nodeLabelsOption(),
  },
  async run({ argv, flags }, out) {
    const result = explain({
      files: argv as string[],
      nodeConfig: flags['node-config'] as string | undefined,
      binfmtDir: flags['binfmt-dir'] as string | undefined,
      container: flags.container as string | undefined,
      guestArch: flags['guest-arch'] as GuestArch | undefined,
      nodeArch: flags['node-arch'] as NodeArch | undefined,
      nodeLabels: flags['node-labels'] as Record<string, string> | undefined,
    });
    out.log(renderExplain(result));
    return explainOutcome(result);
  },
});
