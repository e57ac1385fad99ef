import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { type Check, type NodeSummary, diagnose, summarize } from '../lib/doctor/checks';
import { doctorFacts } from '../lib/doctor/facts';
import { renderDoctor } from '../lib/doctor/render';
import { Failure } from '../lib/errors';
import { nodeFlags } from '../lib/node/flags';
import { Host } from '../lib/node/install';
import { DEFAULT_PREFIX } from '../lib/node/plan';

/** DoctorResult is what `vaoci doctor --json` prints (schemas/cli-doctor.schema.json). */
export interface DoctorResult {
  ok: boolean;
  checks: Check[];
  node: NodeSummary;
}

/** Doctor is `vaoci doctor`: can this node give x86 containers their window? */
export default class Doctor extends VaociCommand {
  static summary = 'Check that this node can give x86 containers their window, and say what to fix.';

  static description = `One line per check, ok / warn / fail: the address space (VA bits, and whether x86-64 guests need a window here); who runs x86-64 ELF and i386 ELF in binfmt_misc — the interpreter, its linkage and flags, and when vaoci-binfmt stands in front, the emulator and window it launches (from its bundle or /etc/vaoci/launch.conf) — and whether the window can reach that process (a static qemu not fronted is a warning: the preload cannot reach it); the install (vaoci node status: files, annotations reaching containers, vaoci-binfmt still registered); the engine (containerd or CRI-O; its version as the running engine reports it over its CRI socket, else as \`containerd --version\` / \`crio --version\` says it through the node's root, else as the install recorded it; whether its config has the runtime handler vaoci, and whether the running engine reports it — config yes, running no fails: the engine needs a restart); a real runtime (runc or crun); this vaoci's version and the one that installed the node. Exit 1 when a check fails; warnings do not fail. With --json, prints schemas/cli-doctor.schema.json.

${EXIT_CODES_HELP}`;

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --host-root /host --json'];

  static flags = { ...nodeFlags };

  async run(): Promise<DoctorResult> {
    const { flags } = await this.parse(Doctor);
    const facts = await doctorFacts(new Host(flags['host-root'] ?? '/'), flags.prefix ?? DEFAULT_PREFIX);
    const checks = diagnose(facts);
    const result = { ok: checks.every((c) => c.status !== 'fail'), checks, node: summarize(facts) };
    this.log(renderDoctor(checks));
    if (!result.ok)
      throw new Failure(
        `${checks
          .filter((c) => c.status === 'fail')
          .map((c) => c.name)
          .join(', ')} failed`,
        'failed',
        result,
      );
    return result;
  }
}
