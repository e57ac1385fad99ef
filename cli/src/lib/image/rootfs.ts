/**
 * mountRootfs: a container's root filesystem as an overlayfs mount of the
 * cached layer directories (read-only lowers, shared by every container of
 * the image) with the container's own upperdir and workdir under its
 * directory, so the cache is never written. Needs root.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure, badInput } from '../errors';
import { requireRoot } from './privileges';

/** MountedRootfs is the mounted rootfs and how to take it down (safe to call twice). */
export interface MountedRootfs {
  rootfs: string;
  unmount(): Promise<void>;
}

/** The kernel takes one page of mount options; longer ones are tried with lowerdirs relative to their common parent. */
const MAX_OPTIONS = 4095;

/** mountRootfs mounts `layerDirs` (lowest first) at containerDir/rootfs, with containerDir/upper and containerDir/work. */
export async function mountRootfs(layerDirs: string[], containerDir: string): Promise<MountedRootfs> {
  requireRoot();
  if (layerDirs.length === 0) throw badInput(`rootfs \`${containerDir}\`: no layers — expected at least one layer directory`);
  const [rootfs, upper, work] = ['rootfs', 'upper', 'work'].map((d) => path.join(path.resolve(containerDir), d));
  const lowers = distinctLayers(layerDirs.map((d) => path.resolve(d)));
  for (const p of [...lowers, upper, work]) {
    if (/[,:\\\n]/.test(p)) throw badInput(`rootfs: path \`${p}\` — expected no \`,\`, \`:\` or \`\\\` (overlayfs option separators)`);
  }
  for (const l of lowers) {
    if (!(await fs.promises.stat(l).catch(() => undefined))?.isDirectory())
      throw badInput(`rootfs: layer \`${l}\` is not a directory — expected an unpacked layer`);
  }
  await prepare(rootfs, upper, work, lowers[lowers.length - 1]).catch((e: NodeJS.ErrnoException) => {
    throw new Failure(
      `rootfs \`${containerDir}\`: ${e.syscall ?? 'prepare'} \`${e.path ?? containerDir}\`: ${e.code ?? e.message}`,
      'system',
    );
  });
  const { options, cwd } = overlayOptions(lowers, upper, work);
  await run('mount', ['-t', 'overlay', 'overlay', '-o', options, rootfs], cwd, `mount overlay at \`${rootfs}\``);
  let mounted = true;
  return {
    rootfs,
    unmount: async () => {
      if (!mounted) return;
      await unmountRootfs(containerDir);
      mounted = false;
    },
  };
}

/** unmountRootfs unmounts containerDir/rootfs (as mountRootfs mounted it; `vaoci rm` calls it later, from another process). */
export async function unmountRootfs(containerDir: string): Promise<void> {
  const rootfs = path.join(path.resolve(containerDir), 'rootfs');
  await run('umount', [rootfs], '/', `umount \`${rootfs}\``);
}

/** prepare makes the mount point and the upper and work directories; the merged / takes the upperdir's owner and mode, so it gets the top layer's. */
async function prepare(rootfs: string, upper: string, work: string, topLayer: string): Promise<void> {
  for (const d of [rootfs, upper, work]) await fs.promises.mkdir(d, { recursive: true, mode: 0o700 });
  await fs.promises.chmod(rootfs, 0o755);
  const top = await fs.promises.stat(topLayer);
  await fs.promises.chown(upper, top.uid, top.gid);
  await fs.promises.chmod(upper, top.mode & 0o7777);
}

/**
 * distinctLayers keeps the topmost occurrence of a layer that appears twice
 * (images repeat empty layers; overlayfs refuses a lowerdir given twice).
 * The same result: the upper copy hides or re-deletes all the lower one did.
 */
export function distinctLayers(lowestFirst: string[]): string[] {
  return lowestFirst.filter((d, i) => lowestFirst.indexOf(d, i + 1) === -1);
}

/** overlayOptions builds lowerdir (top layer first), upperdir and workdir; relative to the lowers' common parent when absolute paths are too long. */
export function overlayOptions(lowers: string[], upper: string, work: string): { options: string; cwd: string } {
  const build = (ls: string[]): string => `lowerdir=${[...ls].reverse().join(':')},upperdir=${upper},workdir=${work}`;
  const absolute = build(lowers);
  if (absolute.length <= MAX_OPTIONS) return { options: absolute, cwd: '/' };
  const parent = commonParent(lowers);
  const relative = build(lowers.map((l) => path.relative(parent, l)));
  if (relative.length > MAX_OPTIONS)
    throw badInput(`rootfs: ${lowers.length} layers make ${relative.length} bytes of overlay options — expected at most ${MAX_OPTIONS}`);
  return { options: relative, cwd: parent };
}

function commonParent(paths: string[]): string {
  let parent = path.dirname(paths[0]);
  while (!paths.every((p) => p.startsWith(`${parent}/`))) parent = path.dirname(parent);
  return parent;
}

/** run runs mount or umount; a failure is its first line of stderr (mount's next line only points at dmesg). */
function run(cmd: string, args: string[], cwd: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => reject(new Failure(`${what}: ${e.message}`, 'system')));
    child.on('close', (code) => {
      if (code === 0) return resolve();
      reject(
        new Failure(
          `${what}: ${
            stderr
              .trim()
              .split('\n')[0]
              .replace(/^u?mount: /, '') || `exit status ${code}`
          }`,
          'system',
        ),
      );
    });
  });
}
