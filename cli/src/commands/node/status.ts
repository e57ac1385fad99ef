import { VaociCommand, EXIT_CODES_HELP } from '../../lib/command';
import { oclifArgs, oclifFlags } from '../../lib/flags';
import act from '../../actions/node/status';
import type { NodeStatus } from '../../lib/node/status';

/** NodeStatus is `vaoci node status`: what is installed, and whether an annotation would reach a container. */
export default class NodeStatusCommand extends VaociCommand {
  static summary = 'Say what vaoci has installed on this node and whether a vaoci.io/ annotation would reach a container.';

  static description = `Checks each file of PREFIX/install.json (ok, changed, missing) and the engine's view of the runtime handler vaoci: for containerd, whether the root config imports the drop-in directory and the merged handler runs vaoci-runtime and passes vaoci.io/* pod annotations (containerd's own \`containerd config dump\` when run on the node with containerd installed; else the files merged here); for CRI-O, the drop-in; in mode nri, whether the engine serves NRI. Also names who runs x86-64 ELF (binfmt_misc) and, when vaoci-binfmt is registered, the emulator behind it (from the bundle it carries, else /etc/vaoci/launch.conf), and whether the registration an install made still stands. Exit 1 when an annotation would not reach a container. With --json, prints schemas/cli-node-status.schema.json.

${EXIT_CODES_HELP}`;

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --host-root /host --json'];

  static strict = act.strict;

  static args = oclifArgs(act.args);

  static flags = oclifFlags(act.flags);

  async run(): Promise<NodeStatus> {
    return act.run(await this.parse(NodeStatusCommand), this.output);
  }
}
