import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { oclifArgs, oclifFlags } from '../lib/flags';
import act from '../actions/inspect';
import type { Inspected } from '../lib/run/containers';

/** Inspect is `vaoci inspect ID`: one local container and its poststart report, JSON by default as podman's. */
export default class Inspect extends VaociCommand {
  static summary = 'Show one container vaoci run made, with the poststart report of its window.';

  static description = `ID is a container id from vaoci ps, or a unique prefix of one. Prints, as podman inspect does, a JSON document: {container, report} (schemas/cli-inspect.schema.json), the container as the index holds it (image, command, status, runtime, bundle, annotations) and its poststart report as vaoci-hook wrote it (schemas/hook-report.schema.json), or null when it had no window. With --format text, the same as lines for a person, ending with the report's verdict (whether the window held). --json prints the JSON document whatever --format says.

${EXIT_CODES_HELP}`;

  static examples = ['<%= config.bin %> <%= command.id %> 3f2a', '<%= config.bin %> <%= command.id %> 3f2a9c1b7e04 --format text'];

  static strict = act.strict;

  static args = oclifArgs(act.args);

  static flags = oclifFlags(act.flags);

  async run(): Promise<Inspected> {
    return act.run(await this.parse(Inspect), this.output);
  }
}
