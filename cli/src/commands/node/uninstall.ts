import { Flags } from '@oclif/core';
import { VaociCommand, EXIT_CODES_HELP } from '../../lib/command';
import { nodeFlags, restartCommandFlag } from '../../lib/node/flags';
import { Host, type UninstallResult, uninstall } from '../../lib/node/install';
import { withNodeLock } from '../../lib/node/lock';
import { DEFAULT_PREFIX } from '../../lib/node/plan';

/** NodeUninstall is `vaoci node uninstall`: the node as it was before vaoci node install. */
export default class NodeUninstall extends VaociCommand {
  static summary = 'Undo vaoci node install: every file it wrote removed or restored from its backup.';

  static description = `Reads PREFIX/install.json and undoes it, newest change first: files vaoci created are removed, files it replaced are restored from PREFIX/backup/, directories it created are removed when empty. Says what to restart, or with --restart restarts it (systemctl, or --restart-command on a node without systemd). Nothing installed is not an error. Crash-safe: killed at any step, the next uninstall finishes it, byte for byte (the record goes last, moved beside PREFIX while the directories vaoci made are removed). Waits, as install does, for another install or uninstall running on the node. With --json, prints schemas/cli-node-uninstall.schema.json.

${EXIT_CODES_HELP}`;

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --host-root /host'];

  static flags = {
    ...nodeFlags,
    restart: Flags.boolean({ summary: 'Restart the engine afterwards (chroot HOST_ROOT systemctl restart).' }),
    'restart-command': restartCommandFlag(),
  };

  async run(): Promise<UninstallResult> {
    const { flags } = await this.parse(NodeUninstall);
    const host = new Host(flags['host-root'] ?? '/');
    const work = () =>
      uninstall(host, flags.prefix ?? DEFAULT_PREFIX, flags.restart || Boolean(flags['restart-command']), flags['restart-command']);
    const result = await withNodeLock(host, 'uninstall', work);
    if (!result.installed) this.log('vaoci node uninstall: nothing installed');
    else
      this.log(
        [
          ...result.restored.map((f) => `  undid ${f}`),
          result.restarted ? `restarted the engine: ${result.restarted}` : `restart ${result.restart.join(', ')}`,
        ].join('\n'),
      );
    return result;
  }
}
