/**
 * The symlink and path corpus (issue 7): crafted images that try to make
 * vaoci write outside the container's rootfs — through /etc, through
 * /etc/ld.so.preload, through the preload's directory, through WorkingDir,
 * through the entrypoint, with loops, /proc links, hard links to host files,
 * `..` and absolute names, whiteouts below symlinks, paths longer than
 * PATH_MAX once the rootfs is prefixed. Every target lies in HOST, the
 * driver's sentinel tree (run.sh), never in the real /etc.
 *
 * Each image is a final `tree` laid over the base rootfs (busybox and the
 * probe, test/hook/lib.sh's make_rootfs) and, for the unpacker only, `extra`
 * layers that describe the same tree in hostile ways a rootfs cannot hold.
 */

/** Node is one path of an image's tree, relative to its root. */
export type Node =
  | { path: string; symlink: string }
  | { path: string; file: string; mode?: number }
  | { path: string; dir: true }
  | { path: string; hostlink: string }; // a hard link to a host file (the layer names it by `..`)

/** ExtraEntry is a raw layer entry (test/ts/image-fixtures.ts's Entry, named here to keep this file standalone). */
export interface ExtraEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: string;
  linkname?: string;
}

/** CorpusImage is one crafted image. */
export interface CorpusImage {
  name: string;
  what: string;
  tree: Node[];
  extra?: ExtraEntry[][];
  entrypoint?: string[];
  workingDir?: string;
}

/** UP climbs out of any rootfs this test makes. */
export const UP = '../'.repeat(16).slice(0, -1);

const rel = (p: string): string => p.replace(/^\/+/, '');

/** corpus lists the images; `host` is the sentinel tree, `preload` the node's preload path. */
export function corpus(host: string, preload: string): CorpusImage[] {
  const libdir = rel(preload.slice(0, preload.lastIndexOf('/')));
  const top = rel(preload).split('/')[0];
  const deep = Array.from({ length: 24 }, (_, i) => `${String(i).padStart(2, '0')}${'d'.repeat(150)}`).join('/'); // 3.6k: past PATH_MAX below a rootfs
  return [
    { name: 'etc-absolute', what: '/etc -> HOST/etc', tree: [{ path: 'etc', symlink: `${host}/etc` }] },
    { name: 'etc-relative', what: '/etc -> ../../..HOST/etc', tree: [{ path: 'etc', symlink: `${UP}${host}/etc` }] },
    {
      name: 'etc-proc-self-root',
      what: '/etc -> /proc/self/root/HOST/etc',
      tree: [{ path: 'etc', symlink: `/proc/self/root${host}/etc` }],
    },
    { name: 'etc-proc-1-root', what: '/etc -> /proc/1/root/HOST/etc', tree: [{ path: 'etc', symlink: `/proc/1/root${host}/etc` }] },
    {
      name: 'etc-long-target',
      what: '/etc -> /././…/HOST/etc (a 4000-byte target)',
      tree: [{ path: 'etc', symlink: `/${'./'.repeat(2000)}${rel(host)}/etc` }],
    },
    {
      name: 'etc-loop',
      what: '/etc -> /etc2 -> /etc',
      tree: [
        { path: 'etc', symlink: '/etc2' },
        { path: 'etc2', symlink: '/etc' },
      ],
    },
    {
      name: 'preload-list-absolute',
      what: '/etc/ld.so.preload -> HOST/etc/ld.so.preload',
      tree: [{ path: 'etc/ld.so.preload', symlink: `${host}/etc/ld.so.preload` }],
    },
    {
      name: 'preload-list-relative',
      what: '/etc/ld.so.preload -> ../..HOST/etc/ld.so.preload',
      tree: [{ path: 'etc/ld.so.preload', symlink: `${UP}${host}/etc/ld.so.preload` }],
    },
    {
      name: 'preload-list-dangling',
      what: '/etc/ld.so.preload -> HOST/missing',
      tree: [{ path: 'etc/ld.so.preload', symlink: `${host}/missing` }],
    },
    {
      name: 'preload-list-hardlink',
      what: '/etc/ld.so.preload a hard link to HOST/etc/ld.so.preload',
      tree: [{ path: 'etc/ld.so.preload', hostlink: `${host}/etc/ld.so.preload` }],
    },
    { name: 'preload-list-directory', what: '/etc/ld.so.preload a directory', tree: [{ path: 'etc/ld.so.preload/x', file: 'x' }] },
    { name: 'libdir-file-absolute', what: 'the preload -> HOST/opt/lib.so', tree: [{ path: rel(preload), symlink: `${host}/opt/lib.so` }] },
    {
      name: 'libdir-file-hardlink',
      what: 'the preload a hard link to HOST/opt/lib.so',
      tree: [{ path: rel(preload), hostlink: `${host}/opt/lib.so` }],
    },
    { name: 'libdir-parent', what: "the preload's directory -> HOST/opt", tree: [{ path: libdir, symlink: `${host}/opt` }] },
    { name: 'libdir-top-relative', what: `/${top} -> ../..HOST/opt`, tree: [{ path: top, symlink: `${UP}${host}/opt` }] },
    {
      name: 'libdir-self-loop',
      what: "the preload's directory -> itself",
      tree: [{ path: libdir, symlink: libdir.split('/').pop() as string }],
    },
    { name: 'libdir-is-file', what: "the preload's directory a file", tree: [{ path: libdir, file: 'not a directory' }] },
    {
      name: 'workdir-absolute',
      what: 'WorkingDir /work -> HOST/opt',
      tree: [{ path: 'work', symlink: `${host}/opt` }],
      workingDir: '/work',
    },
    {
      name: 'workdir-relative',
      what: 'WorkingDir /srv/app, /srv -> ../..HOST',
      tree: [{ path: 'srv', symlink: `${UP}${host}` }],
      workingDir: '/srv/app',
    },
    {
      name: 'entrypoint-absolute',
      what: 'Entrypoint /bin/app -> HOST/opt/app',
      tree: [{ path: 'bin/app', symlink: `${host}/opt/app` }],
      entrypoint: ['/bin/app'],
    },
    {
      name: 'entrypoint-relative',
      what: 'Entrypoint /bin/app -> ../..HOST/opt/app',
      tree: [{ path: 'bin/app', symlink: `${UP}${host}/opt/app` }],
      entrypoint: ['/bin/app'],
    },
    {
      name: 'entrypoint-proc-exe',
      what: 'Entrypoint /bin/app -> /proc/self/exe',
      tree: [{ path: 'bin/app', symlink: '/proc/self/exe' }],
      entrypoint: ['/bin/app'],
    },
    {
      name: 'entrypoint-shebang-out',
      what: 'Entrypoint a #! script whose interpreter -> HOST/opt/app',
      tree: [
        { path: 'bin/app', file: '#!/bin/interp\n', mode: 0o755 },
        { path: 'bin/interp', symlink: `${host}/opt/app` },
      ],
      entrypoint: ['/bin/app'],
    },
    {
      name: 'entrypoint-hardlink',
      what: 'Entrypoint /bin/app a hard link to HOST/opt/app (the layer: through a symlink to HOST/opt)',
      tree: [{ path: 'bin/app', hostlink: `${host}/opt/app` }],
      extra: [
        [
          { name: 's', type: 'symlink', linkname: `${host}/opt` },
          { name: 'bin/app', type: 'link', linkname: 's/app' },
        ],
      ],
      entrypoint: ['/bin/app'],
    },
    {
      name: 'long-path',
      what: 'Entrypoint 3.6k bytes deep, a symlink to /bin/probe',
      tree: [{ path: `${deep}/app`, symlink: '/bin/probe' }],
      entrypoint: [`/${deep}/app`],
    },
    { name: 'proc-symlink', what: '/proc -> HOST/opt (the runtime mounts proc there)', tree: [{ path: 'proc', symlink: `${host}/opt` }] },
    {
      name: 'dotdot-names',
      what: 'entries named ../../HOST/pwn, /HOST/pwn2, ./a/../../HOST/pwn3',
      tree: [{ path: `${rel(host)}/pwn`, file: 'pwn' }],
      extra: [[`${UP}${host}/pwn`, `${host}/pwn2`, `./a/../../${UP}${host}/pwn3`].map((name) => ({ name, content: 'pwned' }))],
    },
    {
      name: 'whiteout-through-symlink',
      what: 'w -> HOST/etc, then the next layer whites out w/passwd',
      tree: [{ path: 'w', symlink: `${host}/etc` }],
      extra: [[{ name: 'w/.wh.passwd' }]],
    },
    {
      name: 'opaque-through-symlink',
      what: '/etc -> HOST/etc, then the next layer marks /etc opaque',
      tree: [{ path: 'etc', symlink: `${host}/etc` }],
      extra: [[{ name: 'etc/.wh..wh..opq' }]],
    },
    {
      name: 'whiteout-the-link',
      what: '/etc -> HOST/etc, then the next layer whites out /etc and writes /etc/ld.so.preload',
      tree: [{ path: 'etc', symlink: `${host}/etc` }],
      extra: [[{ name: '.wh.etc' }, { name: 'etc/ld.so.preload', content: '/lib/none.so\n' }]],
    },
  ];
}
