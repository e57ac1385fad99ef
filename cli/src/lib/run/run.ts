/**
 * `vaoci run IMAGE`: load the image, unpack its layers into the cache (once
 * per layer), mount the container's rootfs over them, write the bundle, run
 * it through vaoci's runtime wrapper and wait; then the container's exit
 * status and, when it had a window, the hook's verdict (the runtime's exec
 * failures mapped to 126 and 127, its other failures to 125: exit.ts). The
 * index records the container from before it starts until `vaoci rm` (or --rm).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomic } from '../atomic';
import { Failure } from '../errors';
import type { RegistryOptions } from '../image/registry';
import { type LoadedImage, parseImageReference } from '../image/source';
import { formatPlatform, matches, parsePlatform } from '../image/platform';
import { unpackImage } from '../image/unpack';
import { mountRootfs } from '../image/rootfs';
import type { Progress } from '../progress';
import {
  type Network,
  parseAnnotations,
  parseEntrypoint,
  parseEnv,
  parseEnvFile,
  parseName,
  parseNetwork,
  parsePlatformFlag,
  parseUserSpec,
  parseVolume,
  parseWorkdir,
} from './options';
import { runtimeStatus } from './exit';
import { containerProcess } from './process';
import { readReport, type HookReport } from './report';
import { deleteContainer, launch, resolveRuntime, writeNodeConfig } from './runtime';
import { buildSpec } from './spec';
import { type ContainerEntry, NAME_ANNOTATION, StateDir } from './state';
import { removeContainer } from './containers';
import { verify } from '../verify';
import { randomHex } from '../random';

/** RunOptions are the command line of `vaoci run`. */
export interface RunOptions {
  image: string;
  command: string[];
  vaLimit?: string;
  annotations: string[];
  env: string[];
  /** envFiles: --env-file FILEs, read in order before -e. */
  envFiles: string[];
  volumes: string[];
  /** runtime: runc, crun, or an absolute path to a runtime binary. */
  runtime: string;
  /** entrypoint: --entrypoint as typed ("" clears the image's). */
  entrypoint?: string;
  workdir?: string;
  user?: string;
  name?: string;
  /** platform: OS/ARCH[/VARIANT] to pick from a multi-platform image. */
  platform?: string;
  /** registry: TLS and credentials for a pull (--tls-verify, --cert-dir, --authfile). */
  registry?: RegistryOptions;
  network: string;
  rm: boolean;
  interactive: boolean;
  tty: boolean;
  json: boolean;
  /** svg: draw the container's address space against its window, once the hook's verdict is in. */
  svg?: string;
  /** progress draws the unpacking (undefined when nobody watches). */
  progress?: Progress;
  state?: StateDir;
}

/** RunResult is what `vaoci run --json` prints (schemas/cli-run.schema.json). */
export interface RunResult {
  container: ContainerEntry;
  report: HookReport | null;
  /** layers, lowest first: each layer's digest and whether the cache already had it. */
  layers: Array<{ digest: string; cached: boolean }>;
  /** svg is the picture written (--svg), or null. */
  svg: string | null;
}

/** run runs one container to its end. */
export async function run(o: RunOptions): Promise<RunResult> {
  // Every flag is checked before anything is loaded, unpacked or mounted.
  const env = [...o.envFiles.flatMap((f) => parseEnvFile(f)), ...parseEnv(o.env)];
  const volumes = o.volumes.map((v) => parseVolume(v));
  const annotations = parseAnnotations(o.annotations, o.vaLimit);
  const name = parseName(o.name);
  if (name !== undefined) annotations[NAME_ANNOTATION] = name;
  const entrypoint = parseEntrypoint(o.entrypoint);
  const workdir = parseWorkdir(o.workdir);
  const user = parseUserSpec(o.user);
  const network: Network = parseNetwork(o.network);
  const platform = parsePlatformFlag(o.platform);
  if (o.tty && !process.stdin.isTTY) throw new Failure('-t: stdin is not a terminal — expected -t only from a terminal', 'invalid');
  if (process.getuid?.() !== 0) throw new Failure('vaoci run needs root (overlayfs, the OCI runtime)', 'invalid');
  const runtime = resolveRuntime(o.runtime);
  const state = o.state ?? new StateDir();
  state.ensure();
  state.checkName(name); // before unpacking anything; add() below checks again under the index's lock

  // A pull lands in the state's own tmp (the cache's file system, not a RAM /tmp), removed after unpacking.
  const loaded = await parseImageReference(o.image, { platform, registry: { ...o.registry, tmpDir: state.tmp } }).load();
  const mismatch = platformMismatch(loaded, platform);
  if (mismatch) process.stderr.write(`${mismatch}\n`);
  let entry: ContainerEntry | undefined;
  try {
    const { layerDirs, cached } = await unpackImage(loaded, {
      cacheDir: state.cache,
      onProgress: o.progress ? (done, total) => o.progress?.update(done, total) : undefined,
    });
    o.progress?.stop();
    const id = randomHex(6);
    const bundle = state.container(id);
    fs.mkdirSync(bundle, { recursive: true, mode: 0o700 });
    entry = {
      id,
      image: o.image,
      config_digest: loaded.configDigest,
      image_arch: loaded.config.architecture,
      runtime,
      args: [],
      annotations,
      bundle,
      created: new Date().toISOString(),
      finished: null,
      status: 'created',
      exit_code: null,
      report: null,
    };
    const fresh: ContainerEntry = entry;
    try {
      state.add(fresh); // before the mount: `vaoci rm` can clean up whatever a crash leaves
    } catch (e) {
      entry = undefined; // not ours to remove: the index holds the other container of that name
      fs.rmSync(fresh.bundle, { recursive: true, force: true });
      throw e;
    }
    const { rootfs } = await mountRootfs(layerDirs, bundle);
    const proc = containerProcess(loaded.config, { command: o.command, env, entrypoint, workdir, user }, rootfs);
    entry.args = proc.args;
    const spec = buildSpec({ process: proc, terminal: o.tty, hostname: id, annotations, volumes, network });
    writeAtomic(path.join(bundle, 'config.json'), `${JSON.stringify(spec, null, 2)}\n`);
    state.put({ ...entry, status: 'running' });

    const reportFile = path.join(state.reports, `${id}.json`);
    const running = launch({
      bundle,
      id,
      nodeConfig: writeNodeConfig(state, runtime),
      interactive: o.interactive || o.tty,
      stdoutToStderr: o.json,
      log: path.join(bundle, 'runtime.log'),
    });
    const picture = o.svg ? drawWhenVerified(reportFile, o.svg, running) : Promise.resolve(null);
    const code = runtimeStatus(await running, path.join(bundle, 'runtime.log'));
    const report = await readReport(reportFile);
    const svg = await picture;
    entry = { ...entry, status: 'exited', exit_code: code, finished: new Date().toISOString(), report: report ? reportFile : null };
    state.put(entry);
    await deleteContainer(runtime, id); // `run` deleted it already; a runtime that did not must not keep it
    if (o.rm) await removeContainer(state, entry);
    return { container: entry, report, layers: loaded.layers.map((l, i) => ({ digest: l.digest, cached: cached[i] })), svg };
  } catch (e) {
    if (entry) await removeContainer(state, entry).catch(() => undefined);
    throw e;
  } finally {
    o.progress?.stop();
    await loaded.close();
  }
}

/**
 * platformMismatch is the warning podman gives when --platform names another
 * platform than the image's only one (a single-platform image is run
 * anyway: the emulator may well run it), or undefined.
 */
export function platformMismatch(
  loaded: { config: Pick<LoadedImage['config'], 'os' | 'architecture' | 'variant'> },
  platform: string | undefined,
): string | undefined {
  if (platform === undefined) return undefined;
  const want = parsePlatform(platform);
  if (matches(loaded.config, want)) return undefined;
  return `vaoci run: warning: image platform ${formatPlatform(loaded.config)} does not match --platform ${formatPlatform(want)}; running it anyway (it has no other)`;
}

/**
 * drawWhenVerified waits for the hook's verdict on the running container
 * (holds or does-not-hold) and draws the process's address space against the
 * same window while the process still lives; null when it never could (no
 * window, or the process was gone first).
 */
async function drawWhenVerified(reportFile: string, svg: string, running: Promise<number>): Promise<string | null> {
  let ended = false;
  void running.then(() => (ended = true));
  while (!ended) {
    const r = peekReport(reportFile);
    if (r && (r.status === 'holds' || r.status === 'does-not-hold')) {
      const pid = (r.container as { pid: number }).pid;
      try {
        return (await verify({ pid, window: r.window.text, svg })).svg;
      } catch {
        return null; // the process ended between the verdict and the picture
      }
    }
    if (r && r.status !== 'pending') return null;
    await new Promise((res) => setTimeout(res, 10));
  }
  return null;
}

function peekReport(file: string): HookReport | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as HookReport;
  } catch {
    return null; // not written yet (or being replaced)
  }
}
