import { Args, Flags } from '@oclif/core';
import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { outputFileFlag, repeatedFlag, vaLimitFlag } from '../lib/flags';
import { progressBar } from '../lib/progress';
import { RUNTIMES, type Runtime } from '../lib/run/runtime';
import { type RunResult, run } from '../lib/run/run';
import { summaryLine } from '../lib/run/render';

/** Run is `vaoci run IMAGE [-- CMD…]`: an image run locally through vaoci's runtime wrapper, with its window. */
export default class Run extends VaociCommand {
  static summary = "Run an image locally through vaoci's runtime wrapper, with its VA window, and report whether it held.";

  static description = `Loads IMAGE — oci:DIR[:TAG] (an OCI image layout), docker-archive:FILE (docker save / podman save), podman:NAME (podman's local storage), or demo (the built-in demo image) — unpacks its layers once into the cache under $VAOCI_STATE (default /var/lib/vaoci), mounts the container's rootfs over them (overlayfs), builds the OCI bundle from the image config (Entrypoint, Cmd, Env, WorkingDir, User) and the command line, and runs it with vaoci-runtime in front of --runtime, exactly as on a node: the annotations decide the window (an x86 image on an arm64 host gets its default window; on an x86 host, ask with --va-limit). The container's output is passed through and its exit status is vaoci's; signals are forwarded. When the container had a window, a last line on stderr gives the poststart hook's verdict. Needs root. With --json the container's stdout goes to stderr and stdout gets {container, report} (schemas/cli-run.schema.json).

${EXIT_CODES_HELP} Otherwise the container's own exit status (128+N when killed by signal N).`;

  static examples = [
    '<%= config.bin %> <%= command.id %> --va-limit i386 demo',
    '<%= config.bin %> <%= command.id %> --rm -e MODE=fast -v ./data:/data:ro oci:./image:latest -- /bin/app serve',
    '<%= config.bin %> <%= command.id %> --runtime crun --annotation vaoci.io/on-error=warn docker-archive:app.tar',
    '<%= config.bin %> <%= command.id %> -it podman:debian:bookworm -- sh',
  ];

  static strict = false;

  static args = { image: Args.string({ required: true, description: 'The image: oci:DIR[:TAG], docker-archive:FILE[:NAME:TAG], podman:NAME, or demo.' }) };

  static flags = {
    'va-limit': vaLimitFlag(),
    annotation: repeatedFlag('annotation', undefined, 'An annotation KEY=VALUE for the container (repeatable), e.g. vaoci.io/on-error=warn.', 'KEY=VALUE'),
    env: repeatedFlag('env', 'e', 'Set NAME=VALUE in the container, or pass NAME from this environment (repeatable).', 'NAME=VALUE or NAME'),
    volume: repeatedFlag('volume', 'v', 'Bind-mount a host path: SRC:DST[:ro|rw] (repeatable).', 'SRC:DST[:ro|rw]'),
    runtime: Flags.option({ options: RUNTIMES, default: 'runc' as Runtime, summary: 'The OCI runtime under vaoci-runtime.' })(),
    rm: Flags.boolean({ summary: 'Remove the container (bundle, rootfs, report, index entry) when it exits.' }),
    interactive: Flags.boolean({ char: 'i', summary: "Keep stdin attached to the container's." }),
    tty: Flags.boolean({ char: 't', summary: 'Give the container a terminal (needs one on stdin).' }),
    svg: outputFileFlag('svg', "Draw the container process's address space against its window once the hook has verified it."),
  };

  async run(): Promise<RunResult> {
    const { argv, flags } = await this.parse(Run);
    const [image, ...rest] = argv as string[]; // everything after IMAGE is the container's command
    const result = await run({
      image: image ?? '',
      command: rest,
      vaLimit: flags['va-limit'],
      annotations: flags.annotation,
      env: flags.env,
      volumes: flags.volume,
      runtime: flags.runtime,
      rm: flags.rm,
      interactive: flags.interactive,
      tty: flags.tty,
      svg: flags.svg,
      json: this.jsonEnabled(),
      progress: progressBar('unpacking', undefined, 'bytes'),
    });
    const line = summaryLine(result);
    if (line && !this.jsonEnabled()) process.stderr.write(`${line}\n`);
    // The container's status is vaoci's; oclif prints the --json result and returns normally.
    process.exitCode = result.container.exit_code ?? 1;
    return result;
  }
}
