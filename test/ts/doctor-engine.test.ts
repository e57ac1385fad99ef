/**
 * `vaoci doctor`'s engine check on a node tree with a fake containerd that
 * answers --version through a chroot into the node root (a system test:
 * root, and a static busybox for the fake's script): the version from the
 * engine (asked once per binary: an upgraded one is asked again), the
 * handler from its config, and the install record's version once the
 * binary is gone. The rest of doctor is doctor.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../cli/src/lib/schema';
import { vaoci } from './cli-helpers';
import { tmpDir } from './image-fixtures';

describe('vaoci doctor on a node tree', () => {
  const work = tmpDir('doctor');
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  // chroot into the tree needs root and a static shell for the fake engine's script.
  const chrootable = process.getuid?.() === 0 && fs.existsSync('/bin/busybox');
  (chrootable ? test : test.skip)(
    'the engine: containerd --version through the node root, the handler from its config, the install record',
    async () => {
      const root = path.join(work, 'engine');
      const put = (p: string, text: string, mode = 0o644) => {
        fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
        fs.writeFileSync(path.join(root, p), text, { mode });
      };
      fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
      fs.copyFileSync('/bin/busybox', path.join(root, 'bin/sh'));
      fs.chmodSync(path.join(root, 'bin/sh'), 0o755);
      // each run of the fake engine leaves a line in /calls: doctor keeps its answer per binary
      const engineScript = (v: string) =>
        `#!/bin/sh\necho run >> /calls\necho "containerd github.com/containerd/containerd ${v} ${v}-1+b1"\n`;
      const calls = () => fs.readFileSync(path.join(root, 'calls'), 'utf8').split('\n').filter(Boolean).length;
      put('/usr/bin/containerd', engineScript('1.6.20~ds1'), 0o755);
      put('/etc/containerd/config.toml', 'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n');
      put('/usr/sbin/runc', '#!/bin/sh\n', 0o755);
      const before = await vaoci(['doctor', '--host-root', root, '--json']);
      expect(validate('cli-doctor', before.json)).toEqual([]);
      const node = before.json?.node as { engine: unknown; emulator: unknown };
      expect(node.engine).toEqual({
        name: 'containerd',
        version: '1.6.20~ds1',
        version_from: 'engine',
        binary: '/usr/bin/containerd',
        handler: false,
        running_handler: null,
      });
      expect(node.emulator).toEqual({ x86_64: 'native', i386: 'native' }); // this machine is x86-64
      put(
        '/etc/containerd/conf.d/50-vaoci.toml',
        'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vaoci]\nruntime_type = "io.containerd.runc.v2"\n',
      );
      const after = await vaoci(['doctor', '--host-root', root]);
      expect(after.stdout).toMatch(
        /^ {2}ok +engine +containerd 1\.6\.20~ds1, \/usr\/bin\/containerd: \/etc\/containerd\/config\.toml and its drop-ins define the runtime handler "vaoci" \(the running engine was not asked: no CRI socket here\)$/m,
      );
      expect(calls()).toBe(1); // the second doctor used the kept answer
      // An upgraded binary (new size, mtime, ctime) is asked again.
      put('/usr/bin/containerd', engineScript('1.7.27'), 0o755);
      const upgraded = await vaoci(['doctor', '--host-root', root, '--json']);
      expect((upgraded.json?.node as { engine: { version: string } }).engine.version).toBe('1.7.27');
      expect(calls()).toBe(2);
      // The binary gone (say, the DaemonSet cannot run it): the version the install recorded stands in.
      fs.rmSync(path.join(root, 'usr/bin/containerd'));
      put(
        '/opt/vaoci/install.json',
        JSON.stringify({
          version: 1,
          engine: 'containerd',
          prefix: '/opt/vaoci',
          vaoci_version: '0.0.0-old',
          engine_version: '1.6.20~ds1',
          files: [],
          created_dirs: [],
          restart: [],
          pending_restart: false,
        }),
      );
      const recorded = await vaoci(['doctor', '--host-root', root, '--json']);
      expect(validate('cli-doctor', recorded.json)).toEqual([]);
      expect((recorded.json?.node as { engine: unknown }).engine).toEqual({
        name: 'containerd',
        version: '1.6.20~ds1',
        version_from: 'install record',
        binary: null,
        handler: true,
        running_handler: null,
      });
      expect((recorded.json?.node as { installed_version: unknown }).installed_version).toBe('0.0.0-old');
      const by = Object.fromEntries(
        (recorded.json?.checks as Array<{ name: string; status: string; detail: string }>).map((c) => [c.name, c]),
      );
      expect(by.version).toMatchObject({ status: 'warn', detail: expect.stringContaining('but 0.0.0-old installed this node') });
    },
  );
});
