import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { oclifArgs, oclifFlags } from '../lib/flags';
import act from '../actions/verify';
import type { VerifyResult } from '../lib/verify';

/** Verify is `vaoci verify`: does a live process's address space hold a window? */
export default class Verify extends VaociCommand {
  static summary = "Check a live process's address space against a window, and draw it.";

  static description = `Runs vaoci-reserve verify on /proc/PID/maps: everything outside the window must be reserved or already mapped; free space outside it (apart from the room kept for the main stack to grow) means the kernel could hand out an address the guest cannot use. With --svg, also draws the address space — the window, reservations, live mappings by name, free gaps outside the window in red — to FILE (written whole or not at all). With --json, prints {report, svg}: the tool's report and the picture's path (schemas/cli-verify.schema.json).

${EXIT_CODES_HELP}`;

  static examples = [
    '<%= config.bin %> <%= command.id %> --pid 1234 --va-limit i386',
    '<%= config.bin %> <%= command.id %> --pid 1234 --va-limit x86_64 --svg space.svg',
    '<%= config.bin %> <%= command.id %> --pid 1234 --va-limit i386 --json',
  ];

  static strict = act.strict;

  static args = oclifArgs(act.args);

  static flags = oclifFlags(act.flags);

  async run(): Promise<VerifyResult> {
    return act.run(await this.parse(Verify), this.output);
  }
}
