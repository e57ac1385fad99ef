/**
 * The engine restart from an image with no chroot program (vaoci's own image
 * has none: the real-node lane, test/node/, saw `spawnSync chroot ENOENT` from
 * the chart's installer): the node's own chroot runs under the node's own
 * loader and libraries, then the node's systemctl inside the node's root.
 * The node here is a tree holding this machine's chroot, loader and libc, a
 * busybox /bin/sh and a systemctl that logs its arguments. Needs root.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Host } from '../../cli/src/lib/node/host';
import { chrootCommand, restartEngine } from '../../cli/src/lib/node/restart';

const CHROOT = '/usr/sbin/chroot';
const LOADER = '/lib64/ld-linux-x86-64.so.2';
const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
const ready = process.getuid?.() === 0 && [CHROOT, LOADER, LIBC, '/bin/busybox'].every((f) => fs.existsSync(f));

function nodeTree(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vaoci-restart-'));
  const put = (to: string, from: string, mode = 0o755) => {
    fs.mkdirSync(path.join(root, path.dirname(to)), { recursive: true });
    fs.copyFileSync(fs.realpathSync(from), path.join(root, to));
    fs.chmodSync(path.join(root, to), mode);
  };
  put(CHROOT, CHROOT);
  put(LOADER, LOADER);
  put(LIBC, LIBC);
  put('/bin/sh', '/bin/busybox');
  fs.mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  fs.writeFileSync(path.join(root, 'usr/bin/systemctl'), '#!/bin/sh\necho "$*" >>/restarts.log\n', { mode: 0o755 });
  return root;
}

(ready ? describe : describe.skip)('restart without a chroot in the image', () => {
  let root: string;
  beforeAll(() => {
    root = nodeTree();
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("runs the node's chroot under the node's loader, with the node's library dirs", () => {
    const cmd = chrootCommand(new Host(root), null);
    expect(cmd[0]).toBe(path.join(root, LOADER));
    expect(cmd[1]).toBe('--library-path');
    expect(cmd[2].split(':')).toContain(path.join(root, '/lib/x86_64-linux-gnu'));
    expect(cmd[3]).toBe(path.join(root, CHROOT));
  });

  it('restarts the engine through it when PATH has no chroot', () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(restartEngine(new Host(root), 'containerd')).toBe(`chroot ${root} systemctl restart containerd`);
    } finally {
      process.env.PATH = saved;
    }
    expect(fs.readFileSync(path.join(root, 'restarts.log'), 'utf8')).toBe('restart containerd\n');
  });

  it('a node without systemd: --restart-command runs instead, and its failure is one line naming it', () => {
    fs.mkdirSync(path.join(root, 'sbin'), { recursive: true });
    fs.writeFileSync(path.join(root, 'sbin/rc-service'), '#!/bin/sh\necho "rc-service $*" >>/restarts.log\n[ "$1" = containerd ]\n', {
      mode: 0o755,
    });
    fs.rmSync(path.join(root, 'restarts.log'), { force: true });
    expect(restartEngine(new Host(root), 'containerd', ['/sbin/rc-service', 'containerd', 'restart'])).toBe(
      `chroot ${root} /sbin/rc-service containerd restart`,
    );
    expect(() => restartEngine(new Host(root), 'cri-o', ['/sbin/rc-service', 'crio', 'restart'])).toThrow(
      `chroot ${root} /sbin/rc-service crio restart: exit 1`,
    );
    expect(fs.readFileSync(path.join(root, 'restarts.log'), 'utf8')).toBe('rc-service containerd restart\nrc-service crio restart\n');
  });

  it('says so in one line when the node has no chroot either', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'vaoci-restart-empty-'));
    try {
      expect(() => chrootCommand(new Host(empty), null)).toThrow(/^no chroot program, neither in this image's PATH nor on the node/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
