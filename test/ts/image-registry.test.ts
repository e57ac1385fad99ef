/**
 * docker://REF against a real registry: Debian's docker-registry (the CNCF
 * distribution, 2.8) started here with TLS from a CA made here and htpasswd
 * (bcrypt) users, images pushed to it with a real client (skopeo copy), and
 * pulled back through vaoci's registry source: credentials from the usual
 * files, the CA or --tls-verify=false, a digest-pinned reference, a
 * multi-platform index (linux/amd64 and linux/386) picked by platform, and a
 * registry killed half way through a pull (through a byte-counting proxy, so
 * the moment is known): one line, and nothing left behind.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { parseImageReference } from '../../cli/src/lib/image/source';
import { RegistrySource, repositoryOf } from '../../cli/src/lib/image/registry';
import { type Image, imageConfig, layer, layerFromTar, nestedIndex, tarOf, tmpDir, writeIndex, writeOciLayout } from './image-fixtures';

const ready = ['docker-registry', 'htpasswd', 'skopeo', 'openssl'].every((p) => {
  try {
    execFileSync('sh', ['-c', `command -v ${p}`]);
    return true;
  } catch {
    return false;
  }
});
const work = tmpDir('registry');
const certs = path.join(work, 'certs'); // skopeo's --cert-dir: ca.crt
const tmp = path.join(work, 'tmp'); // TMPDIR of the pulls: must be empty after each
let port = 0;
let registry: ChildProcess | undefined;
let host = '';
const saved = { ...process.env };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitPort(p: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect(p, '127.0.0.1', () => (c.destroy(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`registry: nothing listens on ${p}`);
}

async function startRegistry(): Promise<void> {
  registry = spawn('docker-registry', ['serve', path.join(work, 'config.yml')], { stdio: 'ignore' });
  await waitPort(port);
}

function push(from: string, to: string, all = false): void {
  execFileSync(
    'skopeo',
    [
      'copy',
      '--quiet',
      ...(all ? ['--all'] : []),
      '--dest-creds',
      'vaoci:s3cret',
      '--dest-cert-dir',
      certs,
      from,
      `docker://${host}/${to}`,
    ],
    { stdio: 'pipe' },
  );
}

const img = async (arch: string, file: string, size = 0): Promise<Image> => {
  // random bytes: skopeo compresses layers on push, and these must stay big on the wire
  const big = size ? [{ name: 'big.bin', content: crypto.randomBytes(size) }] : [];
  const l = size
    ? layerFromTar(await tarOf([{ name: file, content: Buffer.from(arch) }, ...big]), 'tar')
    : await layer([{ name: file, content: Buffer.from(arch) }]);
  return { layers: [l], config: imageConfig([l], { architecture: arch }), platform: { os: 'linux', architecture: arch } };
};

beforeAll(async () => {
  if (!ready) return;
  fs.mkdirSync(certs, { recursive: true });
  fs.mkdirSync(tmp, { recursive: true });
  const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { cwd: work, stdio: 'pipe' });
  sh('openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=vaoci-test-ca -keyout ca.key -out certs/ca.crt');
  sh('openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr');
  fs.writeFileSync(path.join(work, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  sh('openssl x509 -req -in server.csr -CA certs/ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.cnf -out server.crt');
  sh('htpasswd -Bbn vaoci s3cret > htpasswd');
  port = await freePort();
  host = `127.0.0.1:${port}`;
  fs.writeFileSync(
    path.join(work, 'config.yml'),
    [
      'version: 0.1',
      'log: {level: error}',
      `storage: {filesystem: {rootdirectory: ${work}/data}, delete: {enabled: true}}`,
      `http: {addr: "127.0.0.1:${port}", tls: {certificate: ${work}/server.crt, key: ${work}/server.key}}`,
      `auth: {htpasswd: {realm: vaoci-test, path: ${work}/htpasswd}}`,
    ].join('\n'),
  );
  await startRegistry();
  const single = path.join(work, 'single');
  writeOciLayout(single, [{ ...(await img('amd64', 'hello.txt')), tag: 'v1' }]);
  push(`oci:${single}:v1`, 'vaoci/single:1');
  const multi = path.join(work, 'multi');
  fs.mkdirSync(multi, { recursive: true });
  fs.writeFileSync(path.join(multi, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeIndex(multi, [
    {
      ...nestedIndex(multi, [await img('amd64', 'amd64.txt'), await img('386', '386.txt')]),
      annotations: { 'org.opencontainers.image.ref.name': 'v1' },
    },
  ]);
  push(`oci:${multi}:v1`, 'vaoci/multi:1', true);
  const only386 = path.join(work, 'only386');
  writeOciLayout(only386, [{ ...(await img('386', 'only.txt')), tag: 'v1' }]);
  fs.writeFileSync(
    path.join(only386, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          ...nestedIndex(only386, [await img('386', 'only.txt'), await img('arm64', 'arm.txt')]),
          annotations: { 'org.opencontainers.image.ref.name': 'v1' },
        },
      ],
    }),
  );
  push(`oci:${only386}:v1`, 'vaoci/only386:1', true);
  const big = path.join(work, 'big');
  writeOciLayout(big, [{ ...(await img('amd64', 'big.txt', 32 << 20)), tag: 'v1' }]);
  push(`oci:${big}:v1`, 'vaoci/big:1');
  // Credentials as a user logged in with podman would have them: containers' auth.json.
  fs.mkdirSync(path.join(work, 'xdg', 'containers'), { recursive: true });
  fs.writeFileSync(
    path.join(work, 'xdg', 'containers', 'auth.json'),
    JSON.stringify({ auths: { [host]: { auth: Buffer.from('vaoci:s3cret').toString('base64') } } }),
  );
  process.env.XDG_RUNTIME_DIR = path.join(work, 'xdg');
  process.env.HOME = path.join(work, 'home');
  process.env.TMPDIR = tmp;
}, 120_000);

afterAll(() => {
  registry?.kill('SIGKILL');
  process.env = saved;
  fs.rmSync(work, { recursive: true, force: true });
});

type Opts = NonNullable<Parameters<typeof parseImageReference>[1]>;
const withDefaults = (opts: Opts): Opts => ({ ...opts, registry: { certDir: certs, ...opts.registry, tmpDir: tmp } });

async function pull(ref: string, opts: Opts = {}) {
  const image = await parseImageReference(ref, withDefaults(opts)).load();
  const files = fs.readdirSync(tmp);
  await image.close();
  return { image, during: files, after: fs.readdirSync(tmp) };
}

async function failure(ref: string, opts: Opts = {}): Promise<string> {
  try {
    await parseImageReference(ref, withDefaults(opts)).load();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${ref}: pulled, expected a failure`);
}

(ready ? describe : describe.skip)('a real registry', () => {
  test('docker://REF: pulled with the credentials of auth.json and the CA; the temporary layout goes away on close', async () => {
    const r = await pull(`docker://${host}/vaoci/single:1`);
    expect(r.image.platform).toBe('linux/amd64');
    expect(r.image.layers).toHaveLength(1);
    expect(r.during).toHaveLength(1); // the pulled layout, read by the caller
    expect(r.after).toEqual([]);
  });

  test('a bare REF is a registry reference too (as podman: not in its storage, so pulled)', async () => {
    expect(parseImageReference(`${host}/vaoci/single:1`)).toBeInstanceOf(RegistrySource);
    expect((await pull(`${host}/vaoci/single:1`)).image.platform).toBe('linux/amd64');
  });

  test('a digest-pinned reference pulls exactly that manifest; a wrong digest is one line', async () => {
    const digest = execFileSync(
      'skopeo',
      ['inspect', '--format', '{{.Digest}}', '--creds', 'vaoci:s3cret', '--cert-dir', certs, `docker://${host}/vaoci/single:1`],
      { encoding: 'utf8' },
    ).trim();
    expect((await pull(`docker://${host}/vaoci/single@${digest}`)).image.layers).toHaveLength(1);
    const wrong = `sha256:${'0'.repeat(64)}`;
    expect(await failure(`docker://${host}/vaoci/single@${wrong}`)).toMatch(
      new RegExp(`^image \`docker://${host}/vaoci/single@${wrong}\`: pull \\(skopeo inspect\\): .*manifest unknown`),
    );
  });

  test('~/.docker/config.json works as well; no credentials at all is one line', async () => {
    process.env.XDG_RUNTIME_DIR = path.join(work, 'xdg-none');
    try {
      expect(await failure(`docker://${host}/vaoci/single:1`)).toMatch(
        /^image `docker:\/\/[^`]+`: pull \(skopeo inspect\): .*(unauthorized|authentication required)/,
      );
      fs.mkdirSync(path.join(work, 'home', '.docker'), { recursive: true });
      fs.writeFileSync(
        path.join(work, 'home', '.docker', 'config.json'),
        JSON.stringify({ auths: { [host]: { auth: Buffer.from('vaoci:s3cret').toString('base64') } } }),
      );
      expect((await pull(`docker://${host}/vaoci/single:1`)).image.platform).toBe('linux/amd64');
    } finally {
      fs.rmSync(path.join(work, 'home', '.docker'), { recursive: true, force: true });
      process.env.XDG_RUNTIME_DIR = path.join(work, 'xdg');
    }
  });

  test('TLS: an unknown CA is one line; --tls-verify=false accepts it', async () => {
    expect(await failure(`docker://${host}/vaoci/single:1`, { registry: { certDir: path.join(work, 'no-certs') } })).toMatch(
      /^image `[^`]+`: pull \(skopeo inspect\): .*(x509|certificate)/,
    );
    expect((await pull(`docker://${host}/vaoci/single:1`, { registry: { tlsVerify: false } })).image.platform).toBe('linux/amd64');
  });

  test('a multi-platform index: linux/amd64 by default, linux/386 with the platform asked, a missing one lists what there is', async () => {
    const files = async (p: Awaited<ReturnType<typeof pull>>) => p.image.layers.length;
    const amd = await pull(`docker://${host}/vaoci/multi:1`);
    expect([amd.image.platform, await files(amd)]).toEqual(['linux/amd64', 1]);
    expect((await pull(`docker://${host}/vaoci/multi:1`, { platform: 'linux/386' })).image.platform).toBe('linux/386');
    expect((await pull(`docker://${host}/vaoci/multi:1`, { platform: 'i386' })).image.platform).toBe('linux/386');
    expect(await failure(`docker://${host}/vaoci/multi:1`, { platform: 'linux/arm64' })).toBe(
      `image \`docker://${host}/vaoci/multi:1\`: the index has no linux/arm64 image — expected one of its platforms (linux/amd64, linux/386), chosen with --platform`,
    );
    // no --platform and no amd64: an x86 guest still — the 386 one
    expect((await pull(`docker://${host}/vaoci/only386:1`)).image.platform).toBe('linux/386');
  });

  test('references that cannot be one are one line, before any pull', () => {
    expect(() => parseImageReference('docker://')).toThrow(
      'image `docker://`: expected a registry reference [HOST[:PORT]/]PATH[:TAG][@sha256:DIGEST]',
    );
    expect(() => parseImageReference('docker://h/x@sha256:abc')).toThrow(
      'image `docker://h/x@sha256:abc`: digest `sha256:abc` — expected sha256:<64 lower-case hex digits>',
    );
    expect(repositoryOf('127.0.0.1:5000/a/b:1@sha256:00')).toBe('127.0.0.1:5000/a/b');
    expect(repositoryOf('127.0.0.1:5000/a/b')).toBe('127.0.0.1:5000/a/b');
  });

  test('the registry killed half way through a pull: one line, no temporary layout left', async () => {
    // A proxy in front of the registry that kills it once 8 MiB of the 32 MiB layer have passed.
    let passed = 0;
    const conns: net.Socket[] = [];
    const proxy = net.createServer((c) => {
      const up = net.connect(port, '127.0.0.1');
      conns.push(c, up);
      c.pipe(up);
      up.on('data', (d: Buffer) => {
        passed += d.length;
        c.write(d);
        if (passed > 8 << 20 && registry && registry.exitCode === null) {
          registry.kill('SIGKILL');
          conns.forEach((s) => s.destroy());
        }
      });
      up.on('error', () => c.destroy());
      c.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const via = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    try {
      // the proxy's port is not in the certificate's names, so TLS is not verified here; its credentials by --authfile
      const authfile = path.join(work, 'proxy-auth.json');
      fs.writeFileSync(authfile, JSON.stringify({ auths: { [via]: { auth: Buffer.from('vaoci:s3cret').toString('base64') } } }));
      const line = await failure(`docker://${via}/vaoci/big:1`, { registry: { tlsVerify: false, authfile } });
      expect(line).toMatch(new RegExp(`^image \`docker://${via}/vaoci/big:1\`: pull \\(skopeo copy\\): `));
      expect(line.split('\n')).toHaveLength(1);
      expect(passed).toBeGreaterThan(8 << 20);
      expect(fs.readdirSync(tmp)).toEqual([]);
    } finally {
      proxy.close();
      conns.forEach((s) => s.destroy());
      await startRegistry();
    }
  }, 120_000);
});
