import { VaociCommand, EXIT_CODES_HELP } from '../../lib/command';
import { oclifArgs, oclifFlags } from '../../lib/flags';
import act from '../../actions/reserve/check';
import type { CheckReport } from '../../lib/reports';

/** ReserveCheck is `vaoci reserve check`: reserve outside a window, then prove the kernel stays inside it. */
export default class ReserveCheck extends VaociCommand {
  static summary = 'Reserve everything outside a window, then check where the kernel puts new mappings.';

  static description = `Runs vaoci-reserve check in a fresh process: reserves every free page outside the window (PROT_NONE, MAP_NORESERVE, never over a live mapping), then makes --samples plain and hinted mmaps, shmats and mremaps and checks each lands inside the window, and classifies its own address space. Prints the verdict, what the reservation cost and a table of the samples. With --json, prints the tool's report (schemas/reserve-check.schema.json).

${EXIT_CODES_HELP}`;

  static examples = [
    '<%= config.bin %> <%= command.id %> --va-limit i386',
    '<%= config.bin %> <%= command.id %> --va-limit x86_64 --algo gaps --samples 1000',
    '<%= config.bin %> <%= command.id %> --va-limit 0x10000000-0x7f0000000000 --json',
  ];

  static strict = act.strict;

  static args = oclifArgs(act.args);

  static flags = oclifFlags(act.flags);

  async run(): Promise<CheckReport> {
    return act.run(await this.parse(ReserveCheck), this.output);
  }
}
