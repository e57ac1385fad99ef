/** The flags every `vaoci node` command shares, free of oclif (node/flags.ts has oclif's). */
import { absolutePathOption, inputDirOption } from '../options';

export const nodeOptions = {
  'host-root': inputDirOption(
    'host-root',
    "Where the node's / is (the DaemonSet mounts it at /host; default /).",
    "the node's root directory (/ on the node, /host in the DaemonSet)",
  ),
  prefix: absolutePathOption('prefix', 'Where vaoci is installed on the node (default /opt/vaoci).'),
};
