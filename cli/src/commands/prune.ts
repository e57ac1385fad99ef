import { Flags } from '@oclif/core';
import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { asFailure } from '../lib/image/cache';
import { type PruneResult, prune } from '../lib/image/cache-remove';
import { renderPrune } from '../lib/image/cache-render';
import { removeContainer } from '../lib/run/containers';
import { StateDir } from '../lib/run/state';

/** Prune is `vaoci prune`: free the layer cache of what no container uses. */
export default class Prune extends VaociCommand {
  static summary = 'Free the layer cache of vaoci run: images and layers no container uses, and leftovers.';

  static description = `Removes from the cache under $VAOCI_STATE (default /var/lib/vaoci) every image no container of vaoci ps was made from, every layer no remaining image lists, and what an interrupted vaoci run, rmi or prune left (temporary layer directories, unreadable records, leases of processes gone). Never a layer an overlay mount on this host uses, nor one a vaoci run that is starting has leased. Containers stay unless --all: then exited containers are removed first (as vaoci rm would) and their images go too; running ones stay. Prints what it removed and the bytes freed. With --json, prints {containers, images, layers, partial, freed_bytes} (schemas/cli-prune.schema.json).

${EXIT_CODES_HELP}`;

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --all --json'];

  static flags = { all: Flags.boolean({ summary: 'Remove exited containers first, then what their images held.' }) };

  async run(): Promise<PruneResult> {
    const { flags } = await this.parse(Prune);
    const state = new StateDir();
    const containers: string[] = [];
    if (flags.all) {
      for (const c of state.list().filter((e) => e.status === 'exited')) {
        await removeContainer(state, c, false);
        containers.push(c.id);
      }
    }
    const result: PruneResult = { containers, ...(await prune(state.cache, state.list()).catch(asFailure)) };
    this.log(renderPrune(result));
    return result;
  }
}
