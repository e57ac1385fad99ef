import { Args, Flags } from '@oclif/core';
import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { asFailure } from '../lib/image/cache';
import { type RmiResult, rmi } from '../lib/image/cache-remove';
import { renderRmi } from '../lib/image/cache-render';
import { StateDir } from '../lib/run/state';

/** Rmi is `vaoci rmi IMAGE…`: forget cached images and free the layers nothing else uses. */
export default class Rmi extends VaociCommand {
  static summary = 'Remove images from the layer cache of vaoci run, and the layers no other image uses.';

  static description = `Each IMAGE is a reference as vaoci images shows it (demo, oci:DIR:TAG, …) or a unique prefix of an IMAGE ID or config digest. Every IMAGE is checked before any is removed. An image a container of vaoci ps was made from is refused unless --force; even then its layers stay on disk while a container mounts them (vaoci rm the containers, then vaoci prune). Only the cache is touched: the image's source (podman's storage, the OCI layout) stays. With --json, prints {removed, layers, kept_layers, freed_bytes} (schemas/cli-rmi.schema.json).

${EXIT_CODES_HELP}`;

  static examples = ['<%= config.bin %> <%= command.id %> demo', '<%= config.bin %> <%= command.id %> --force 3f2a9c1b7e04'];

  static strict = false;

  static args = { image: Args.string({ required: true, description: 'Image references, or unique IMAGE ID prefixes.' }) };

  static flags = {
    force: Flags.boolean({ summary: 'Remove images containers still use too (their mounted layers stay until the containers go).' }),
  };

  async run(): Promise<RmiResult> {
    const { argv, flags } = await this.parse(Rmi);
    const state = new StateDir();
    const result = await rmi(state.cache, state.list(), argv as string[], flags.force).catch(asFailure);
    this.log(renderRmi(result));
    return result;
  }
}
