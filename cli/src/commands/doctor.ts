import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { oclifArgs, oclifFlags } from '../lib/flags';
import act from '../actions/doctor';
import type { DoctorResult } from '../actions/doctor';

/** Doctor is `vaoci doctor`: can this node give x86 containers their window? */
export default class Doctor extends VaociCommand {
  static summary = 'Check that this node can give x86 containers their window, and say what to fix.';

  static description = `One line per check, ok / warn / fail: the address space (VA bits, and whether x86-64 guests need a window here); who runs x86-64 ELF and i386 ELF in binfmt_misc — the interpreter, its linkage and flags, and when vaoci-binfmt stands in front, the emulator and window it launches (from its bundle or /etc/vaoci/launch.conf) — and whether the window can reach that process (a static qemu not fronted is a warning: the preload cannot reach it); the install (vaoci node status: files, annotations reaching containers, vaoci-binfmt still registered); the engine (containerd or CRI-O; its version as the running engine reports it over its CRI socket, else as \`containerd --version\` / \`crio --version\` says it through the node's root, else as the install recorded it; whether its config has the runtime handler vaoci, and whether the running engine reports it — config yes, running no fails: the engine needs a restart); a real runtime (runc or crun); this vaoci's version and the one that installed the node. Exit 1 when a check fails; warnings do not fail. With --json, prints schemas/cli-doctor.schema.json.

${EXIT_CODES_HELP}`;

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --host-root /host --json'];

  static strict = act.strict;

  static args = oclifArgs(act.args);

  static flags = oclifFlags(act.flags);

  async run(): Promise<DoctorResult> {
    return act.run(await this.parse(Doctor), this.output);
  }
}
