import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { oclifArgs, oclifFlags } from '../lib/flags';
import act from '../actions/probe';
import type { ProbeReport } from '../lib/reports';

/** Probe is `vaoci probe`: what this machine's address space looks like to the reserver. */
export default class Probe extends VaociCommand {
  static summary = "Show this machine's address-space facts: VA bits, page size, floor, stack, limits.";

  static description = `Runs vaoci-reserve probe and prints a table: how many bits of virtual address space user programs get, the page size, mmap_min_addr, the main stack, RLIMIT_STACK and RLIMIT_AS (reservations count against it), and whether the kernel has PROCMAP_QUERY. With --json, prints the tool's report (schemas/reserve-probe.schema.json).

${EXIT_CODES_HELP}`;

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  static strict = act.strict;

  static args = oclifArgs(act.args);

  static flags = oclifFlags(act.flags);

  async run(): Promise<ProbeReport> {
    return act.run(await this.parse(Probe), this.output);
  }
}
