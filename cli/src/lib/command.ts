/**
 * VaociCommand, the base of every vaoci command: --json on, and one way to
 * fail. Whatever a command throws becomes one line and an exit code (0 ok,
 * 1 a check failed, 2 bad input); with --json it becomes a document instead:
 * the tool's own report when there is one, else a cli-error document.
 */
import { Command } from '@oclif/core';
import { errorDocument, toFailure } from './errors';
import type { Output } from '../actions/action';
import { expectedFor } from './flags';

/** EXIT_CODES_HELP documents the exit codes in every command's description. */
export const EXIT_CODES_HELP =
  'Exit codes: 0 ok, 1 a check failed (or the tool could not run it), 2 bad input (a flag value, a missing tool).';

/** VaociCommand is the base class of vaoci's commands. */
export abstract class VaociCommand extends Command {
  static enableJsonFlag = true;

  /** output is this command as the Output of an action (actions/): oclif prints. */
  protected get output(): Output {
    return { log: (text) => this.log(text), logJson: (doc) => this.logJson(doc), jsonEnabled: () => this.jsonEnabled() };
  }

  /** commandName is the command as typed: "reserve check". */
  protected get commandName(): string {
    return (this.id ?? '').split(':').join(' ');
  }

  /**
   * catch prints one line on stderr — "vaoci reserve check: LINE", the form
   * vaoci-reserve uses — or, with --json, the document on stdout, then exits
   * with the failure's code. Not this.error(): oclif's pretty-printer
   * hard-wraps at 80 columns when stderr is not a terminal, which splits the
   * one line that logs and scripts rely on.
   */
  protected async catch(err: Error): Promise<never> {
    const names = [...Object.keys(this.ctor.flags ?? {}), 'json'];
    const failure = toFailure(err, { names, expected: expectedFor });
    if (this.jsonEnabled()) this.logJson(failure.document ?? errorDocument(this.commandName, failure));
    else process.stderr.write(`${this.config.bin} ${this.commandName}: ${failure.line}\n`);
    this.exit(failure.exit);
  }
}
