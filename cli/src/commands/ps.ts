import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { oclifArgs, oclifFlags } from '../lib/flags';
import act from '../actions/ps';
import type { ContainerEntry } from '../lib/run/state';

/** Ps is `vaoci ps`: the local containers `vaoci run` made, running and exited. */
export default class Ps extends VaociCommand {
  static summary = 'List the containers vaoci run made, running and exited, with their windows.';

  static description = `Reads the index under $VAOCI_STATE (default /var/lib/vaoci; schemas/run-index.schema.json) and prints one row per container, newest first: id, image, status (exit code), the va-limit asked for, when it was made, its command. With --json, prints {containers} (schemas/cli-ps.schema.json).

${EXIT_CODES_HELP}`;

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  static strict = act.strict;

  static args = oclifArgs(act.args);

  static flags = oclifFlags(act.flags);

  async run(): Promise<{ containers: ContainerEntry[] }> {
    return act.run(await this.parse(Ps), this.output);
  }
}
