import { Flags } from '@oclif/core';
import { VaociCommand, EXIT_CODES_HELP } from '../../lib/command';
import { inputDirFlag, inputFileFlag } from '../../lib/flags';
import { binfmtFlags, engineFlag, modeFlags, nodeFlags, restartCommandFlag } from '../../lib/node/flags';
import { type DryRun as DryRunResult, Host, type InstallResult, dryRun, install } from '../../lib/node/install';
import { withNodeLock } from '../../lib/node/lock';
import { DEFAULT_PREFIX } from '../../lib/node/plan';

/** NodeInstall is `vaoci node install`: the data plane, the node config and the engine's runtime handler on this node. */
export default class NodeInstall extends VaociCommand {
  static summary = 'Install vaoci on a node: the data plane, the node config, the runtime handler vaoci.';

  static description = `Copies vaoci-runtime, vaoci-hook, vaoci-reserve and vaoci-launch to PREFIX/bin and libvaoci-preload.so to PREFIX/lib, writes /etc/vaoci/config.json (--node-config, else one naming the node's runc), and registers the runtime handler vaoci: for containerd a drop-in /etc/containerd/conf.d/50-vaoci.toml in the root config's version (2 or 3) whose pod_annotations and container_annotations let vaoci.io/* through — the root config is never rewritten: if it imports no drop-in directory, nothing is written and the one line to add is printed; for CRI-O /etc/crio/crio.conf.d/50-vaoci.conf. With --mode nri (or auto on an engine serving NRI: a socket at --nri-socket) it writes no engine config and restarts nothing: it adds PREFIX/bin/vaoci-nri, the NRI plugin that adjusts each container as the engine creates it, and a runtime-class install's drop-in goes (the engine drops the handler at its next restart). Every change is recorded in PREFIX/install.json (schemas/node-install.schema.json); files that were there before are kept under PREFIX/backup/. When a statically linked qemu runs x86-64 ELF (binfmt_misc), which LD_PRELOAD cannot reach, it writes PREFIX/binfmt/ENTRY/vaoci-binfmt — vaoci-launch carrying that emulator and its launch.conf in one file — registers it as vaoci-ENTRY with the entry's magic and flags plus F, and disables the entry it fronts (--binfmt names another entry, or never). Running it twice changes nothing the second time. On containerd 1.x, which replaces a whole plugin table on import, the version-2 drop-in also carries the node's own CRI settings (copied from the file that sets them; run install again after changing them), so the only change to containerd's effective config is the handler; the install refuses anything else, and k3s/RKE2 nodes (whose containerd config is generated from a template). --dry-run prints the files it would write and that change, key by key (--json: config_diff), and writes nothing. Says exactly what to restart, or with --restart restarts it (chroot HOST_ROOT systemctl restart containerd|crio; on a node without systemd, --restart-command names the command), only when the engine's config changed. Crash-safe: the record is written before anything else and every file whole (temporary file, fsync, rename), so a run killed, out of disk or refused by a read-only /etc at any step leaves the engine's config loadable and is finished by the next install (or undone by uninstall); a failure is one line. One installer at a time: while another install or uninstall holds HOST_ROOT/run/vaoci-node-install.sock this one says so in one line and waits (up to 10 minutes, then refuses in one line); one killed holding it is not waited for. With --json, prints schemas/cli-node-install.schema.json.

${EXIT_CODES_HELP}`;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --host-root /host --engine containerd --node-config /config/config.json --restart',
    '<%= config.bin %> <%= command.id %> --prefix /usr/local/vaoci --from ./build/aarch64',
    '<%= config.bin %> <%= command.id %> --dry-run',
  ];

  static flags = {
    ...nodeFlags,
    engine: engineFlag,
    ...modeFlags,
    from: inputDirFlag(
      'from',
      'Where vaoci-runtime, vaoci-hook and libvaoci-preload.so are (default: this build, else /usr/share/vaoci/ARCH).',
    ),
    'node-config': inputFileFlag('node-config', 'The node config to install (default: one naming the node runc).'),
    restart: Flags.boolean({
      summary: 'Restart the engine (chroot HOST_ROOT systemctl restart) when its config changed.',
      exclusive: ['dry-run'],
    }),
    'restart-command': restartCommandFlag({ exclusive: ['dry-run'] }),
    'dry-run': Flags.boolean({ summary: "Print what would be written and the change to the engine's effective config; write nothing." }),
    ...binfmtFlags,
  };

  async run(): Promise<InstallResult | (InstallResult & { config_diff: string[] })> {
    const { flags } = await this.parse(NodeInstall);
    const options = {
      host: new Host(flags['host-root'] ?? '/'),
      prefix: flags.prefix ?? DEFAULT_PREFIX,
      engine: flags.engine,
      mode: flags.mode,
      nriSocket: flags['nri-socket'],
      from: flags.from,
      nodeConfig: flags['node-config'],
      binfmt: { front: flags.binfmt, vaLimit: flags['binfmt-va-limit'] },
    };
    if (flags['dry-run']) return this.dryRun(dryRun(options));
    const work = () =>
      install({ ...options, restart: flags.restart || Boolean(flags['restart-command']), restartCommand: flags['restart-command'] });
    const result = await withNodeLock(options.host, 'install', work);
    const lines = result.changed.length
      ? result.changed.map((f) => `  wrote ${f}`)
      : ['  nothing changed: the node already has this install'];
    const restart = result.restarted
      ? `restarted the engine: ${result.restarted}`
      : result.restart.length
        ? `restart ${result.restart.join(', ')} for the handler "vaoci" to take effect`
        : 'nothing to restart';
    const b = result.binfmt;
    const binfmt = b
      ? `binfmt_misc: ${b.entry} (${b.interpreter}) in front of ${b.fronts}, which is disabled${b.changed ? '' : ' (already so)'}`
      : 'binfmt_misc: nothing fronted (no static qemu runs x86-64 ELF here, or --binfmt never)';
    const mode =
      result.mode === 'nri'
        ? "mode nri: vaoci-nri adjusts containers (run PREFIX/bin/vaoci-nri, or the chart's DaemonSet does); the engine's config is untouched"
        : 'mode runtime-class: pods opt in with runtimeClassName (handler vaoci)';
    this.log([`vaoci node install (${result.engine}, ${result.prefix}):`, ...lines, mode, binfmt, restart].join('\n'));
    return result;
  }

  /** dryRun prints what an install would write and what containerd's effective config would gain; returns the would-be result. */
  private dryRun({ result, configDiff }: DryRunResult): InstallResult & { config_diff: string[] } {
    const lines = result.changed.length
      ? result.changed.map((f) => `  would write ${f}`)
      : ['  nothing to write: the node already has this install'];
    const diff =
      result.engine === 'cri-o'
        ? []
        : configDiff.length
          ? ["containerd's effective config would change by:", ...configDiff.map((l) => `  ${l}`)]
          : ["containerd's effective config would not change"];
    this.log([`vaoci node install --dry-run (${result.engine}, ${result.prefix}): nothing written`, ...lines, ...diff].join('\n'));
    return { ...result, config_diff: configDiff };
  }
}
