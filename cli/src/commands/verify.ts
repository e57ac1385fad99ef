import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { PID_MAX, countFlag, outputFileFlag, windowFlag } from '../lib/flags';
import { type VerifyResult, renderVerify, verify, verifyOutcome } from '../lib/verify';

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

  static flags = {
    pid: countFlag('pid', 1, PID_MAX, 'The process to verify.', { required: true }),
    'va-limit': windowFlag({ required: true }),
    svg: outputFileFlag('svg', 'Also draw the address space as an SVG picture to this file.'),
  };

  async run(): Promise<VerifyResult> {
    const { flags } = await this.parse(Verify);
    const result = await verify({ pid: flags.pid, window: flags['va-limit'], svg: flags.svg });
    this.log(renderVerify(result));
    return verifyOutcome(result);
  }
}
