import { Args } from '@oclif/core';
import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { type Inspected, inspect } from '../lib/run/containers';
import { renderInspect } from '../lib/run/render';
import { StateDir } from '../lib/run/state';

/** Inspect is `vaoci inspect ID`: one local container and its poststart report. */
export default class Inspect extends VaociCommand {
  static summary = 'Show one container vaoci run made, with the poststart report of its window.';

  static description = `ID is a container id from vaoci ps, or a unique prefix of one. Prints its image, command, status, runtime, bundle and annotations, and the verdict of its poststart report (whether its window held). With --json, prints {container, report} (schemas/cli-inspect.schema.json), the report as vaoci-hook wrote it (schemas/hook-report.schema.json).

${EXIT_CODES_HELP}`;

  static examples = ['<%= config.bin %> <%= command.id %> 3f2a', '<%= config.bin %> <%= command.id %> 3f2a9c1b7e04 --json'];

  static args = { id: Args.string({ required: true, description: 'A container id, or a unique prefix of one.' }) };

  static flags = {};

  async run(): Promise<Inspected> {
    const { args } = await this.parse(Inspect);
    const result = await inspect(new StateDir(), args.id);
    this.log(renderInspect(result));
    return result;
  }
}
