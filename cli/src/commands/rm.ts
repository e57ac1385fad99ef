import { Args, Flags } from '@oclif/core';
import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { removeContainer } from '../lib/run/containers';
import { StateDir } from '../lib/run/state';

/** Rm is `vaoci rm ID…`: forget local containers and free what they held. */
export default class Rm extends VaociCommand {
  static summary = 'Remove containers vaoci run made: the runtime record, the rootfs mount, the bundle, the report.';

  static description = `Each ID is a container id from vaoci ps, or a unique prefix of one. A running container is refused unless --force (the runtime kills it). The layer cache stays. With --json, prints {removed} (schemas/cli-rm.schema.json).

${EXIT_CODES_HELP}`;

  static examples = ['<%= config.bin %> <%= command.id %> 3f2a', '<%= config.bin %> <%= command.id %> --force 3f2a 91bc'];

  static strict = false;

  static args = { id: Args.string({ required: true, description: 'Container ids, or unique prefixes.' }) };

  static flags = { force: Flags.boolean({ summary: 'Remove running containers too (the runtime kills them).' }) };

  async run(): Promise<{ removed: string[] }> {
    const { argv, flags } = await this.parse(Rm);
    const state = new StateDir();
    const entries = (argv as string[]).map((id) => state.find(id)); // every id checked before any is removed
    for (const c of entries) await removeContainer(state, c, flags.force);
    this.log(entries.map((c) => c.id).join('\n'));
    return { removed: entries.map((c) => c.id) };
  }
}
