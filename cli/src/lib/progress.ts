/**
 * A progress bar for long benches, drawn on stderr only when a person is
 * watching (stdout and stderr are terminals); otherwise it does nothing.
 */
import { SingleBar } from 'cli-progress';

/** Progress receives how many of the total rounds are done. */
export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** watching tells whether stdout and stderr are both terminals. */
export function watching(stdout: { isTTY?: boolean } = process.stdout, stderr: { isTTY?: boolean } = process.stderr): boolean {
  return Boolean(stdout.isTTY && stderr.isTTY);
}

/** progressBar returns a bar on stderr labelled `label` counting `unit`, or undefined when nobody is watching. */
export function progressBar(label: string, enabled: boolean = watching(), unit = 'rounds'): Progress | undefined {
  if (!enabled) return undefined;
  const value = unit === 'bytes' ? '{percentage}%' : `{value}/{total} ${unit}`;
  const bar = new SingleBar({
    format: `${label} [{bar}] ${value} · {eta_formatted} left`,
    barCompleteChar: '█',
    barIncompleteChar: '░',
    hideCursor: true,
    clearOnComplete: true,
    stream: process.stderr,
  });
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
