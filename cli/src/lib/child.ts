/**
 * node:child_process, loaded when a process is first spawned. Loading it
 * loads net, dgram and Node's stream machinery with it: ~5 ms of a ~25 ms
 * `node -e 0` here, which `vaoci doctor` on a node whose answers are kept
 * (doctor/boot-facts.ts's bootFacts, node/engine.ts's askVersion) never needs.
 */
import type * as ChildProcess from 'node:child_process';

let loaded: typeof ChildProcess | undefined;

/** childProcess is node:child_process, required on the first call. */
export function childProcess(): typeof ChildProcess {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('node:child_process') as typeof ChildProcess;
  return loaded;
}
