import { Args, Flags } from '@oclif/core';
import { VaociCommand } from '../lib/command';
import { errorDocument, toFailure } from '../lib/errors';
import { expectedFor, inputDirFlag, inputFileFlag, outputFileFlag, repeatedFlag, vaLimitFlag } from '../lib/flags';
import { progressBar } from '../lib/progress';
import { type FlagShape, splitRunArgv } from '../lib/run/argv';
import { RUN_EXIT, RUN_EXIT_HELP } from '../lib/run/exit';
import { NETWORKS } from '../lib/run/options';
import { RUNTIMES } from '../lib/run/runtime';
import { type RunResult, run } from '../lib/run/run';
import { summaryLine } from '../lib/run/render';

/** Run is `vaoci run [FLAGS] IMAGE [COMMAND [ARG…]]`: an image run locally through vaoci's runtime wrapper, with its window. */
export default class Run extends VaociCommand {
  static summary = "Run an image locally through vaoci's runtime wrapper, with its VA window, and report whether it held.";

  static description = `Loads IMAGE — oci:DIR[:TAG] (an OCI image layout), oci-archive:FILE, docker-archive:FILE (docker save / podman save), podman:NAME (podman's local storage), docker://REF or a bare REF (pulled from its registry: --platform picks from a multi-platform index, --tls-verify, --cert-dir and --authfile as podman's), or demo (the built-in demo image) — unpacks its layers once into the cache under $VAOCI_STATE (default /var/lib/vaoci), mounts the container's rootfs over them (overlayfs), builds the OCI bundle from the image config (Entrypoint, Cmd, Env, WorkingDir, User) and the command line (--entrypoint, -w, -u, --env-file, -e over them, as podman), and runs it with vaoci-runtime in front of --runtime, exactly as on a node: the annotations decide the window (an x86 image on an arm64 host gets its default window; on an x86 host, ask with --va-limit). The container's output is passed through and its exit status is vaoci's; signals are forwarded. As with podman, flags come before IMAGE and every word after IMAGE is the container's command, uninterpreted (a -- there too: podman 4.3 keeps it). --network none (the default) gives the container its own network namespace with only lo; host shares the host's. When the container had a window, a last line on stderr gives the poststart hook's verdict. Needs root. With --json the container's stdout goes to stderr and stdout gets {container, report} (schemas/cli-run.schema.json).

${RUN_EXIT_HELP}`;

  static usage = '<%= command.id %> [FLAGS] IMAGE [COMMAND [ARG…]]';

  static examples = [
    '<%= config.bin %> <%= command.id %> --va-limit i386 demo',
    '<%= config.bin %> <%= command.id %> --rm -e MODE=fast --env-file app.env -v ./data:/data:ro oci:./image:latest /bin/app serve',
    "<%= config.bin %> <%= command.id %> --rm --entrypoint '' -u nobody -w /tmp --network none demo /bin/sh -c 'id; exit 3'",
    '<%= config.bin %> <%= command.id %> --name web --runtime /usr/local/bin/crun --annotation vaoci.io/on-error=warn docker-archive:app.tar',
    '<%= config.bin %> <%= command.id %> -it --platform linux/amd64 podman:debian:bookworm sh',
  ];

  // oclif sees only the flags and IMAGE (init() cuts the command off); strict, so a stray word there is refused.
  static args = {
    image: Args.string({ required: true, description: 'The image: oci:DIR[:TAG], docker-archive:FILE[:NAME:TAG], podman:NAME, or demo.' }),
  };

  static flags = {
    'va-limit': vaLimitFlag(),
    annotation: repeatedFlag(
      'annotation',
      undefined,
      'An annotation KEY=VALUE for the container (repeatable), e.g. vaoci.io/on-error=warn.',
      'KEY=VALUE',
    ),
    env: repeatedFlag(
      'env',
      'e',
      'Set NAME=VALUE in the container, or pass NAME from this environment (repeatable).',
      'NAME=VALUE or NAME',
    ),
    'env-file': repeatedFlag(
      'env-file',
      undefined,
      'Read environment entries from FILE: NAME=VALUE lines, # comments, NAME alone from this environment (repeatable; -e wins).',
      'FILE',
    ),
    entrypoint: Flags.string({
      summary: 'Replace the image\'s Entrypoint (and drop its Cmd): a command, a JSON array, or "" for none.',
      helpValue: '<command>',
    }),
    workdir: Flags.string({ char: 'w', summary: 'The working directory in the container (absolute).', helpValue: '<dir>' }),
    user: Flags.string({
      char: 'u',
      summary: "Run as NAME, UID, UID:GID or NAME:GROUP (names from the image's /etc/passwd and /etc/group).",
      helpValue: '<user[:group]>',
    }),
    name: Flags.string({
      summary: 'Name the container in the index (vaoci ps, inspect, rm take it); a name in use is refused.',
      helpValue: '<name>',
    }),
    platform: Flags.string({
      summary:
        'Pick OS/ARCH[/VARIANT] from a multi-platform image (default linux/amd64; from a registry, linux/386 when the index has no amd64).',
      helpValue: '<os/arch[/variant]>',
    }),
    // A value, not a boolean: podman users type --tls-verify=false.
    'tls-verify': Flags.option({
      options: ['true', 'false'] as const,
      default: 'true' as const,
      summary: "Verify the registry's certificate and require HTTPS (--tls-verify=false: neither).",
    })(),
    'cert-dir': inputDirFlag('cert-dir', "A directory of CA certificates (*.crt) for the registry, as podman's --cert-dir."),
    authfile: inputFileFlag(
      'authfile',
      'Registry credentials in this auth.json instead of the usual files (containers auth.json, ~/.docker/config.json).',
    ),
    network: Flags.string({
      summary: `The network: ${NETWORKS.join(' (own namespace, only lo; the default) or ')} (the host's).`,
      default: 'none',
      helpValue: '<none|host>',
    }),
    volume: repeatedFlag('volume', 'v', 'Bind-mount a host path: SRC:DST[:ro|rw] (repeatable).', 'SRC:DST[:ro|rw]'),
    runtime: Flags.string({
      default: 'runc',
      summary: `The OCI runtime under vaoci-runtime: ${RUNTIMES.join(' or ')} (from PATH), or a runtime binary's absolute path.`,
      helpValue: '<runc|crun|path>',
    }),
    rm: Flags.boolean({ summary: 'Remove the container (bundle, rootfs, report, index entry) when it exits.' }),
    interactive: Flags.boolean({ char: 'i', summary: "Keep stdin attached to the container's." }),
    tty: Flags.boolean({ char: 't', summary: 'Give the container a terminal (needs one on stdin).' }),
    svg: outputFileFlag('svg', "Draw the container process's address space against its window once the hook has verified it."),
  };

  /** command is every word after IMAGE, cut off the command line by init(). */
  private command: string[] = [];

  /**
   * init cuts the command line after IMAGE before oclif reads it: from then
   * on this.argv is only the flags and IMAGE, so neither parse() nor
   * jsonEnabled() sees the container's words (`vaoci run demo ls -l`, or a
   * `--json` meant for the container).
   */
  async init(): Promise<void> {
    await super.init();
    const flags = { ...Run.baseFlags, ...Run.flags, json: { type: 'boolean' } } as Record<string, FlagShape>;
    const { head, command } = splitRunArgv(this.argv, flags);
    this.argv = head;
    this.command = command;
  }

  async run(): Promise<RunResult> {
    const { args, flags } = await this.parse(Run, this.argv);
    const result = await run({
      image: args.image,
      command: this.command,
      vaLimit: flags['va-limit'],
      annotations: flags.annotation,
      env: flags.env,
      envFiles: flags['env-file'],
      entrypoint: flags.entrypoint,
      workdir: flags.workdir,
      user: flags.user,
      name: flags.name,
      platform: flags.platform,
      registry: { tlsVerify: flags['tls-verify'] === 'true', certDir: flags['cert-dir'], authfile: flags.authfile },
      network: flags.network,
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
    process.exitCode = result.container.exit_code ?? RUN_EXIT.vaoci;
    return result;
  }

  /**
   * catch is VaociCommand's — one line, or the --json document — but exits
   * 125, podman's status for its own failures, never 1 or 2, which the
   * container's own statuses could be. An unexpected error (a bug) too.
   */
  protected async catch(err: Error): Promise<never> {
    let failure;
    try {
      failure = toFailure(err, { names: [...Object.keys(Run.flags), 'json'], expected: expectedFor });
    } catch {
      process.stderr.write(`${this.config.bin} ${this.commandName}: ${err.stack ?? err.message}\n`);
      this.exit(RUN_EXIT.vaoci);
    }
    if (this.jsonEnabled()) this.logJson(failure.document ?? errorDocument(this.commandName, failure));
    else process.stderr.write(`${this.config.bin} ${this.commandName}: ${failure.line}\n`);
    this.exit(RUN_EXIT.vaoci);
  }
}
