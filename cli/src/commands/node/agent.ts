import { Flags } from '@oclif/core';
import { VaociCommand, EXIT_CODES_HELP } from '../../lib/command';
import { badInput } from '../../lib/errors';
import { countFlag } from '../../lib/flags';
import type { AgentRound } from '../../lib/node/agent';
import { nodeFlags } from '../../lib/node/flags';
import { Host } from '../../lib/node/host';
import { DEFAULT_PREFIX } from '../../lib/node/plan';

/** NodeAgent is `vaoci node agent`: the DaemonSet's long-running part, keeping the Node's vaoci.io/ labels true. */
export default class NodeAgent extends VaociCommand {
  static summary = "Keep this Node's vaoci.io/ labels true: ready, va-bits, version, emulator.";

  static description = `Every --interval seconds, looks at the node — the install under PREFIX, whether an annotation would reach a container (as vaoci node status) and whether the running engine reports the runtime handler vaoci (CRI Status over --cri-socket, what crictl info shows; the files alone say only what the engine loads at its next start) — in nri mode instead whether the engine serves NRI and vaoci-nri says it is connected (--nri-status) —, the kernel's VA bits (vaoci-reserve probe), the binfmt_misc entry that runs x86-64 ELF — and patches the labels vaoci.io/ready, vaoci.io/mode, vaoci.io/va-bits, vaoci.io/version, vaoci.io/emulator (with -linkage, -flags, -fronted) and vaoci.io/i386-emulator of the Node $NODE_NAME when they differ (vaoci explain --node-labels reads them back). The API server is the pod's service account's, else $KUBECONFIG's. Needs get and patch on nodes. With --once, one round; --json then prints {node, labels, patched, why} (schemas/cli-node-agent.schema.json).

${EXIT_CODES_HELP}`;

  static examples = [
    '<%= config.bin %> <%= command.id %> --host-root /host',
    '<%= config.bin %> <%= command.id %> --once --json   # with NODE_NAME and KUBECONFIG set',
  ];

  static flags = {
    ...nodeFlags,
    'cri-socket': Flags.string({
      summary:
        "The engine's CRI socket on the node (under --host-root), asked whether it runs the handler; none: the config files decide alone.",
      description: "Default: the engine's own, /run/containerd/containerd.sock or /var/run/crio/crio.sock.",
      parse: async (input) => {
        if (input !== 'none' && !input.startsWith('/'))
          throw badInput(`--cri-socket \`${input}\`: expected an absolute path on the node, or none`);
        return input;
      },
    }),
    'nri-status': Flags.string({
      summary:
        'The file vaoci-nri -status keeps on this machine: in nri mode the node is ready only while it exists (the plugin is connected).',
    }),
    interval: countFlag('interval', 5, 86400, 'Seconds between looks at the node (default 60).', { default: 60 }),
    once: Flags.boolean({ summary: 'Look once, patch if needed, and exit.' }),
  };

  async run(): Promise<AgentRound> {
    const { flags } = await this.parse(NodeAgent);
    // Loaded here, not at the top: @kubernetes/client-node is an ES module (Node 20 requires it
    // natively; jest, which loads every command's class to check it, cannot).
    const { runAgent } = await import('../../lib/node/agent');
    return runAgent({
      host: new Host(flags['host-root'] ?? '/'),
      prefix: flags.prefix ?? DEFAULT_PREFIX,
      criSocket: flags['cri-socket'] ?? null,
      nriStatus: flags['nri-status'] ?? null,
      node: process.env.NODE_NAME,
      intervalSeconds: flags.interval as number,
      once: flags.once,
      log: (l) => this.log(l),
    });
  }
}
