/**
 * `vaoci node agent --once` against an API endpoint that serves one Node:
 * it must GET the Node, decide the labels from the node tree (an install
 * made here with `vaoci node install`, a binfmt_misc registration for
 * qemu-x86_64, the real kernel's VA bits) and PATCH (merge patch, labels
 * only) just the labels that differ. The gap: this endpoint is a small Node
 * HTTP server speaking the two Node calls of the core/v1 API, not a real
 * kube-apiserver (none runs here; see test/k8s/ for what was tried). The
 * client is the real @kubernetes/client-node through a real kubeconfig.
 * The engine's CRI socket is ./cri-server's stand-in; the real kubelet, API
 * server and containerd run the same agent in make test-node.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { validate } from '../../cli/src/lib/schema';
import { ROOT } from './cli-helpers';
import { CriServer } from './cri-server';
import { tmpDir } from './image-fixtures';

const work = tmpDir('agent');
const host = path.join(work, 'host');
const kubeconfig = path.join(work, 'kubeconfig');
let server: http.Server;
let engine: CriServer;
const calls: Array<{ method: string; url: string; type?: string; body?: any }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
let labels: Record<string, string> = { 'kubernetes.io/arch': 'arm64' };
let deny = false;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      const body = text ? JSON.parse(text) : undefined;
      calls.push({ method: req.method ?? '', url: req.url ?? '', type: req.headers['content-type'], body });
      const node = () => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker-1', labels } });
      res.setHeader('content-type', 'application/json');
      if (deny) {
        res.statusCode = 403;
        return res.end(
          JSON.stringify({
            kind: 'Status',
            status: 'Failure',
            message: 'nodes "worker-1" is forbidden: User "x" cannot patch resource "nodes"',
            code: 403,
          }),
        );
      }
      if (req.url !== '/api/v1/nodes/worker-1') {
        res.statusCode = 404;
        return res.end(JSON.stringify({ kind: 'Status', code: 404, message: 'not found' }));
      }
      if (req.method === 'PATCH') labels = { ...labels, ...body.metadata.labels };
      return res.end(JSON.stringify(node()));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  fs.writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
  );
  fs.mkdirSync(path.join(host, 'run/containerd'), { recursive: true });
  engine = new CriServer(path.join(host, 'run/containerd/containerd.sock'));
  engine.answer = { config: { containerd: { runtimes: { runc: {} } } } };
  await engine.listen();
  fs.mkdirSync(path.join(host, 'etc/containerd'), { recursive: true });
  fs.mkdirSync(path.join(host, 'usr/sbin'), { recursive: true });
  fs.writeFileSync(path.join(host, 'usr/sbin/runc'), '');
  fs.writeFileSync(path.join(host, 'etc/containerd/config.toml'), 'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n');
  const binfmt = path.join(host, 'proc/sys/fs/binfmt_misc');
  fs.mkdirSync(binfmt, { recursive: true });
  fs.writeFileSync(path.join(binfmt, 'status'), 'enabled\n');
  fs.writeFileSync(
    path.join(binfmt, 'qemu-x86_64'),
    'enabled\ninterpreter /usr/bin/qemu-x86_64\nflags: F\noffset 0\nmagic 7f454c4602010100000000000000000002003e00\nmask fffffffffffefe00fffffffffffffffffeffffff\n',
  );
});
afterAll(async () => {
  server.close();
  await engine.close();
  fs.rmSync(work, { recursive: true, force: true });
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function agent(env: Record<string, string | undefined> = { NODE_NAME: 'worker-1' }, json = true, extra: string[] = []): Promise<Ran> {
  const child = spawn(
    path.join(ROOT, 'bin', 'vaoci'),
    ['node', 'agent', '--once', ...(json ? ['--json'] : []), '--host-root', host, ...extra],
    {
      env: { ...process.env, KUBECONFIG: kubeconfig, NODE_NAME: undefined, ...env },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr })));
}

const vaBits = () => (process.arch === 'x64' ? /^(47|56)$/ : /^(39|47|48|52)$/);

describe('vaoci node agent', () => {
  it('not installed yet: ready=false, with the reason; the labels patched in one merge patch', async () => {
    const r = await agent();
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(validate('cli-node-agent', doc)).toEqual([]);
    expect(doc).toMatchObject({ node: 'worker-1', patched: true, why: 'not installed under /opt/vaoci' });
    expect(doc.labels['vaoci.io/ready']).toBe('false');
    expect(doc.labels['vaoci.io/emulator']).toBe('qemu');
    expect(doc.labels['vaoci.io/va-bits']).toMatch(vaBits());
    expect(doc.labels['vaoci.io/version']).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.type).toBe('application/merge-patch+json');
    expect(Object.keys(patch?.body)).toEqual(['metadata']);
    expect(labels).toMatchObject({ 'kubernetes.io/arch': 'arm64', 'vaoci.io/ready': 'false', 'vaoci.io/emulator': 'qemu' });
  });

  it('installed, but the running engine has not loaded the handler: ready stays false, saying so', async () => {
    const install = spawn(path.join(ROOT, 'bin', 'vaoci'), ['node', 'install', '--host-root', host]);
    await new Promise((r) => install.on('close', r));
    const r = await agent();
    const doc = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(doc.labels['vaoci.io/ready']).toBe('false');
    expect(doc.why).toBe('the running containerd has no runtime handler "vaoci" (it runs: runc) — restart it to load the drop-in');
    const files = await agent(undefined, true, ['--cri-socket', 'none']);
    expect(JSON.parse(files.stdout.slice(files.stdout.indexOf('{'))).why).toMatch(
      /\(the files say so; the engine was not asked: --cri-socket none\)$/,
    );
    const elsewhere = await agent(undefined, true, ['--cri-socket', '/run/other.sock']);
    expect(JSON.parse(elsewhere.stdout.slice(elsewhere.stdout.indexOf('{'))).why).toMatch(
      /^cannot ask containerd over CRI at \/run\/other.sock: ENOENT/,
    );
    const bad = await agent(undefined, false, ['--cri-socket', 'run/x.sock']);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      'vaoci node agent: --cri-socket `run/x.sock`: expected an absolute path on the node, or none\n',
    ]);
  });

  it('once the engine reports the handler: ready=true, and only that label is patched; then nothing to patch', async () => {
    expect(labels['vaoci.io/ready']).toBe('false');
    engine.answer = { handlers: ['', 'runc', 'vaoci'] };
    calls.length = 0;
    const r = await agent();
    expect(JSON.parse(r.stdout.slice(r.stdout.indexOf('{')))).toMatchObject({ patched: true, labels: { 'vaoci.io/ready': 'true' } });
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body.metadata.labels)).toEqual([{ 'vaoci.io/ready': 'true' }]);
    calls.length = 0;
    const again = await agent();
    expect(JSON.parse(again.stdout.slice(again.stdout.indexOf('{'))).patched).toBe(false);
    expect(calls.map((c) => c.method)).toEqual(['GET']);
  });

  it('a broken install turns ready false again', async () => {
    fs.writeFileSync(path.join(host, 'etc/containerd/config.toml'), 'version = 2\n');
    const r = await agent();
    const doc = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(doc.labels['vaoci.io/ready']).toBe('false');
    expect(doc.why).toMatch(/imports no drop-in directory/);
  });

  it('mode nri: vaoci.io/mode=nri; ready while vaoci-nri says it is connected (else, as root, the engine NRI socket decides)', async () => {
    const sock = path.join(host, 'run/nri/nri.sock');
    fs.mkdirSync(path.dirname(sock), { recursive: true });
    fs.mkdirSync(path.join(host, 'var'), { recursive: true });
    if (!fs.existsSync(path.join(host, 'var/run'))) fs.symlinkSync('/run', path.join(host, 'var/run'));
    const nri = net.createServer((c) => c.end());
    await new Promise<void>((r) => nri.listen(sock, () => r()));
    try {
      const install = spawn(path.join(ROOT, 'bin', 'vaoci'), ['node', 'install', '--host-root', host, '--mode', 'nri']);
      expect(await new Promise((r) => install.on('close', r))).toBe(0);
      const status = path.join(work, 'nri-connected');
      const look = async () => {
        const r = await agent(undefined, true, ['--nri-status', status]);
        const doc = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
        expect(validate('cli-node-agent', doc)).toEqual([]);
        return doc;
      };
      const off = await look();
      expect([off.labels['vaoci.io/mode'], off.labels['vaoci.io/ready'], off.why]).toEqual([
        'nri',
        'false',
        `vaoci-nri is not connected to the engine (no ${status})`,
      ]);
      fs.writeFileSync(status, 'connected to the engine at /var/run/nri/nri.sock as 50-vaoci since 2026-12-02T00:00:00Z\n');
      const on = await look();
      expect(on.labels['vaoci.io/ready']).toBe('true');
      expect(on.why).toBe(`vaoci-nri: connected to the engine at /var/run/nri/nri.sock as 50-vaoci since 2026-12-02T00:00:00Z`);
      fs.rmSync(status);
      expect((await look()).labels['vaoci.io/ready']).toBe('false');
      // without --nri-status (as root on the node): the engine's NRI socket decides
      const bySocket = async () => JSON.parse((await agent()).stdout.replace(/^[^{]*/, ''));
      expect((await bySocket()).why).toMatch(
        /^the engine serves NRI at \/var\/run\/nri\/nri.sock: .*\(vaoci-nri not asked: no --nri-status\)$/,
      );
      nri.close();
      const gone = await bySocket();
      expect([gone.labels['vaoci.io/ready'], gone.why]).toEqual([
        'false',
        'no NRI socket at /var/run/nri/nri.sock: the engine does not serve NRI (turn it on, or install with --mode runtime-class)',
      ]);
    } finally {
      nri.close();
    }
  });

  it('one line for no NODE_NAME (exit 2) and for a refusal by the API server (exit 1)', async () => {
    const none = await agent({}, false);
    expect([none.code, none.stderr]).toEqual([
      2,
      'vaoci node agent: NODE_NAME: missing — expected the Node name (the DaemonSet sets it from spec.nodeName)\n',
    ]);
    deny = true;
    const r = await agent({ NODE_NAME: 'worker-1' }, false);
    deny = false;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^vaoci node agent: read Node `worker-1`: HTTP 403: nodes "worker-1" is forbidden/);
  });
});
