/** `vaoci node status`: what is installed, and whether an annotation would reach a container. */
import { Failure } from '../../lib/errors';
import { type Column, table } from '../../lib/format';
import { Host } from '../../lib/node/host';
import { nodeOptions } from '../../lib/node/options';
import { DEFAULT_PREFIX } from '../../lib/node/plan';
import { type NodeStatus, status } from '../../lib/node/status';
import { action } from '../action';

/** FILE_COLUMNS are the lines of the installed files: state (ok, changed, missing), then path. */
const FILE_COLUMNS: Column<NodeStatus['files'][number]>[] = [
  { header: 'state', get: (f) => f.state },
  { header: 'path', get: (f) => f.path },
];

export default action<NodeStatus>({
  id: 'node:status',
  strict: true,
  args: {},
  flags: { ...nodeOptions },
  async run({ flags }, out) {
    const s = status(new Host((flags['host-root'] as string | undefined) ?? '/'), (flags.prefix as string | undefined) ?? DEFAULT_PREFIX);
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
    out.log(lines.join('\n'));
    if (!s.annotations_reach.ok) throw new Failure(`annotations would not reach containers: ${s.annotations_reach.why}`, 'failed', s);
    return s;
  },
});
