import { Failure } from '../../lib/errors';
import { type Column, table } from '../../lib/format';
import { VaociCommand, EXIT_CODES_HELP } from '../../lib/command';
import { nodeFlags } from '../../lib/node/flags';
import { Host } from '../../lib/node/install';
import { DEFAULT_PREFIX } from '../../lib/node/plan';
import { type NodeStatus, status } from '../../lib/node/status';

/** FILE_COLUMNS are the lines of the installed files: state (ok, changed, missing), then path. */
const FILE_COLUMNS: Column<NodeStatus['files'][number]>[] = [
  { header: 'state', get: (f) => f.state },
  { header: 'path', get: (f) => f.path },
];

/** NodeStatus is `vaoci node status`: what is installed, and whether an annotation would reach a container. */
export default class NodeStatusCommand extends VaociCommand {
  static summary = 'Say what vaoci has installed on this node and whether a vaoci.io/ annotation would reach a container.';

  static description = `Checks each file of PREFIX/install.json (ok, changed, missing) and the engine's view of the runtime handler vaoci: for containerd, whether the root config imports the drop-in directory and the merged handler runs vaoci-runtime and passes vaoci.io/* pod annotations (containerd's own \`containerd config dump\` when run on the node with containerd installed; else the files merged here); for CRI-O, the drop-in; in mode nri, whether the engine serves NRI. Also names who runs x86-64 ELF (binfmt_misc) and, when vaoci-binfmt is registered, the emulator behind it (from the bundle it carries, else /etc/vaoci/launch.conf), and whether the registration an install made still stands. Exit 1 when an annotation would not reach a container. With --json, prints schemas/cli-node-status.schema.json.

${EXIT_CODES_HELP}`;

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --host-root /host --json'];

  static flags = { ...nodeFlags };

  async run(): Promise<NodeStatus> {
    const { flags } = await this.parse(NodeStatusCommand);
    const s = status(new Host(flags['host-root'] ?? '/'), flags.prefix ?? DEFAULT_PREFIX);
    const lines = [`vaoci node status: ${s.installed ? `installed for ${s.engine} (mode ${s.mode}) under ${s.prefix}` : 'not installed'}`];
    if (s.files.length) lines.push(table(s.files, FILE_COLUMNS, '  ', { header: false }));
    const x = s.x86_64;
    const chain = !x
      ? 'none registered'
      : x.behind
        ? `${x.entry}: vaoci-binfmt (${x.interpreter}, flags ${x.flags || '-'}) → ${x.behind.emulator ?? '(no emulator named)'}, window ${x.behind.va_limit ?? 'none'} (${x.behind.from === 'bundle' ? 'carried in the bundle' : 'from /etc/vaoci/launch.conf'})`
        : `${x.entry}: ${x.interpreter} (${x.emulator}, flags ${x.flags || '-'})`;
    lines.push(`x86-64 ELF runs under: ${chain}`);
    const b = s.binfmt;
    if (b)
      lines.push(`vaoci-binfmt: ${b.entry} ${b.registered ? 'registered' : 'NOT registered'}, in front of ${b.fronts} (${b.fronts_state})`);
    lines.push(
      `annotations reach containers: ${s.annotations_reach.ok ? 'yes' : 'NO'} — ${s.annotations_reach.why} (checked by ${s.checked_by})`,
    );
    this.log(lines.join('\n'));
    if (!s.annotations_reach.ok) throw new Failure(`annotations would not reach containers: ${s.annotations_reach.why}`, 'failed', s);
    return s;
  }
}
