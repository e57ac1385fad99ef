import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { oclifArgs, oclifFlags } from '../lib/flags';
import act from '../actions/images';
import type { ImagesResult } from '../lib/image/cache-list';

/** Images is `vaoci images`: what the layer cache of vaoci run holds. */
export default class Images extends VaociCommand {
  static summary = 'List the images vaoci run has unpacked into its layer cache, with the disk they use.';

  static description = `Reads the cache under $VAOCI_STATE (default /var/lib/vaoci): one row per image vaoci run loaded, the most recently used first — its IMAGE ID (12 hex digits of the config digest), the references it was run as (<none> once a newer image took them), platform, layers, the disk its unpacked layers use (shared layers counted in each image), when vaoci run last used it, and how many containers of vaoci ps were made from it; then every layer's disk use, counted once. With --json, prints {images, layers} (schemas/cli-images.schema.json).

${EXIT_CODES_HELP}`;

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  static strict = act.strict;

  static args = oclifArgs(act.args);

  static flags = oclifFlags(act.flags);

  async run(): Promise<ImagesResult> {
    return act.run(await this.parse(Images), this.output);
  }
}
