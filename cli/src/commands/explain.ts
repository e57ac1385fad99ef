import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { oclifArgs, oclifFlags } from '../lib/flags';
import act from '../actions/explain';
import type { ExplainResult } from '../lib/explain';

/** Explain is `vaoci explain FILE…`: the policy each container would get on this node, and why. */
export default class Explain extends VaociCommand {
  static summary = 'Show the policy each container would get on this node: every setting, where it came from, and why.';

  static description = `Resolves each container's policy as the runtime wrapper would on this node: per-container annotation > pod-wide annotation > node config > built-in default, with auto settings decided from what the node shows — the binfmt_misc registrations (which emulator runs x86-64 and i386 code, with which flags) and, for an OCI bundle directory (or its config.json), the entrypoint's ELF header inside the rootfs. Prints a table per container (setting, value, source, reason) with the injection (environment, mounts), or the lines that refuse the policy under on-error fail. FILE is as for validate, or a bundle directory. For another node (an arm64 pool, asked from an x86 laptop), --node-arch and/or --node-labels (the Node's labels as vaoci node agent sets them: kubernetes.io/arch, vaoci.io/emulator, -linkage, -flags, -fronted, vaoci.io/i386-emulator) replace what this machine shows; --node-arch alone knows no emulator. The node config is --node-config, else /etc/vaoci/config.json when it exists. With --json, prints schemas/cli-explain.schema.json.

${EXIT_CODES_HELP}`;

  static examples = [
    '<%= config.bin %> <%= command.id %> /run/containers/BUNDLE',
    '<%= config.bin %> <%= command.id %> deployment.yaml --container app',
    '<%= config.bin %> <%= command.id %> pod.yaml --guest-arch x86_64',
    '<%= config.bin %> <%= command.id %> pod.yaml --node-config ./config.json --binfmt-dir ./binfmt --json',
    '<%= config.bin %> <%= command.id %> pod.yaml --guest-arch x86_64 --node-labels node.json',
    '<%= config.bin %> <%= command.id %> pod.yaml --guest-arch x86_64 --node-arch arm64 --node-labels vaoci.io/emulator=qemu,vaoci.io/emulator-linkage=dynamic,vaoci.io/emulator-flags=F',
  ];

  static strict = act.strict;

  static args = oclifArgs(act.args);

  static flags = oclifFlags(act.flags);

  async run(): Promise<ExplainResult> {
    return act.run(await this.parse(Explain), this.output);
  }
}
