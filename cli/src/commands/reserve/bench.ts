import { VaociCommand, EXIT_CODES_HELP } from '../../lib/command';
import { bench, benchOutcome, renderBench } from '../../lib/bench';
import { benchRowsFlag, countFlag, windowFlag } from '../../lib/flags';
import { watching } from '../../lib/progress';
import type { BenchReport } from '../../lib/reports';

/** ReserveBench is `vaoci reserve bench`: every reservation algorithm timed side by side in fresh processes. */
export default class ReserveBench extends VaociCommand {
  static summary = 'Time the reservation algorithms side by side in fresh processes, static and dynamic.';

  static description = `Runs vaoci-reserve bench: each algorithm reserves the window's complement in --runs fresh processes, once in a static copy of the tool and once in a dynamic program through the preload, and the medians are compared. Beside them the floor: the same kind of fresh process making only the mappings the default ends up with, at addresses known beforehand. Prints a table with how many times faster each row is than ladder (FEX 2021) and gaps (FEX today), and how many times the floor. Shows a progress bar while it runs when stdout is a terminal. With --json, prints the tool's report (schemas/reserve-bench.schema.json).

${EXIT_CODES_HELP}`;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --va-limit x86_64 --runs 1000 --algos known,gaps',
    '<%= config.bin %> <%= command.id %> --runs 50 --json',
  ];

  static flags = {
    'va-limit': windowFlag({ default: 'i386' }),
    runs: countFlag('runs', 1, 100_000, 'Fresh processes per algorithm and process kind (default 200).'),
    algos: benchRowsFlag(),
  };

  async run(): Promise<BenchReport> {
    const { flags } = await this.parse(ReserveBench);
    const report = await bench({ window: flags['va-limit'], runs: flags.runs, rows: flags.algos, progress: watching() });
    this.log(renderBench(report));
    return benchOutcome(report);
  }
}
