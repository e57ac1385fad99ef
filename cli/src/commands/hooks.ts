import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { oclifArgs, oclifFlags } from '../lib/flags';
import act from '../actions/hooks';
import { hookFileName } from '../lib/ocihooks';
import type { OciHook } from '../lib/ocihooks';

/** Hooks is `vaoci hooks STAGE`: the oci-hooks(5) file for podman's or CRI-O's hooks directory. */
export default class Hooks extends VaociCommand {
  static summary = "Print vaoci's oci-hooks(5) file for one stage, for podman's or CRI-O's hooks directory.";

  static description = `Prints the hooks-directory JSON (oci-hooks(5), version 1.0.0; schemas/oci-hook.schema.json) that runs vaoci-hook at STAGE for containers with a vaoci.io/ annotation, and only for them. podman takes precreate (vaoci-hook rewrites the config as the vaoci-runtime wrapper would); CRI-O takes createRuntime (the preload into the rootfs) and poststart (the verdict, in a report under /run/vaoci). Save each as ${hookFileName('precreate')}, ${hookFileName('createRuntime')}, ${hookFileName('poststart')} in /etc/containers/oci/hooks.d/ or the directory given to --hooks-dir. The output is the document itself, with or without --json.

${EXIT_CODES_HELP}`;

  static examples = [
    '<%= config.bin %> <%= command.id %> precreate > /etc/containers/oci/hooks.d/50-vaoci-precreate.json',
    '<%= config.bin %> <%= command.id %> poststart --prefix /usr/local/vaoci',
    '<%= config.bin %> <%= command.id %> createRuntime --node-config /etc/vaoci/crio.json',
  ];

  static strict = act.strict;

  static args = oclifArgs(act.args);

  static flags = oclifFlags(act.flags);

  async run(): Promise<OciHook> {
    return act.run(await this.parse(Hooks), this.output);
  }
}
