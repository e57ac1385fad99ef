/** The flags every `vaoci node` command shares. */
import { Flags } from '@oclif/core';
import { absolutePathFlag, inputDirFlag } from '../flags';

export const nodeFlags = {
  'host-root': inputDirFlag('host-root', "Where the node's / is (the DaemonSet mounts it at /host; default /)."),
  prefix: absolutePathFlag('prefix', 'Where vaoci is installed on the node (default /opt/vaoci).'),
};

export const engineFlag = Flags.option({
  options: ['auto', 'containerd', 'cri-o'] as const,
  default: 'auto' as const,
  summary: 'The container engine to register with (auto: the one this node has).',
})();
