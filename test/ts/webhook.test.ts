/**
 * `vaoci webhook serve` over real HTTPS (a certificate made here with
 * openssl, the server a child process), answering AdmissionReview requests
 * as the API server sends them. The API server itself is not in this test:
 * see test/k8s/ for what runs here.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { ROOT } from './cli-helpers';
import { tmpDir } from './image-fixtures';

const work = tmpDir('webhook');
let server: ChildProcess;
let port = 0;
let ca: Buffer;
let log = '';

beforeAll(async () => {
  const key = path.join(work, 'tls.key');
  const crt = path.join(work, 'tls.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=vaoci-webhook',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      crt,
    ],
    { stdio: 'ignore' },
  );
  ca = fs.readFileSync(crt);
  server = spawn(path.join(ROOT, 'bin', 'vaoci'), [
    'webhook',
    'serve',
    '--port',
    '0',
    '--address',
    '127.0.0.1',
    '--tls-cert',
    crt,
    '--tls-key',
    key,
  ]);
  port = await new Promise<number>((resolve, reject) => {
    server.stdout?.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /listening on https:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
      if (m) resolve(Number(m[1]));
    });
    server.on('exit', (code) => reject(new Error(`webhook exited ${code}: ${log}`)));
  });
});
afterAll(() => {
  server?.kill();
  fs.rmSync(work, { recursive: true, force: true });
});

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function call(method: string, url: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, method, path: url, ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function review(annotations: Record<string, string>, containers = ['app'], kind = 'Pod') {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'abc-123',
      kind: { group: '', version: 'v1', kind },
      operation: 'CREATE',
      object: {
        apiVersion: 'v1',
        kind,
        metadata: { name: 'p', namespace: 'ns', annotations },
        spec: { containers: containers.map((name) => ({ name, image: 'x' })) },
      },
    },
  });
}

describe('vaoci webhook serve', () => {
  it('admits a Pod with good vaoci.io/ annotations, and one without any', async () => {
    for (const ann of [{ 'vaoci.io/va-limit': 'i386', 'vaoci.io/va-limit.app': 'x86_64' }, {}] as Array<Record<string, string>>) {
      const r = await call('POST', '/validate', review(ann));
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'abc-123', allowed: true } });
    }
  });

  it("denies a bad value with the wrapper's own line", async () => {
    const r = await call('POST', '/validate', review({ 'vaoci.io/va-limit': 'x86-64' }));
    expect(r.body.response).toMatchObject({
      uid: 'abc-123',
      allowed: false,
      status: {
        code: 400,
        message: 'vaoci.io/va-limit: value "x86-64" — expected one of auto, x86_64, i386, none, or 0xLOWER-0xUPPER; did you mean x86_64?',
      },
    });
  });

  it('denies a per-container key naming no container of the Pod, and says every problem', async () => {
    const r = await call(
      'POST',
      '/validate',
      review({ 'vaoci.io/va-limit.ap': 'i386', 'vaoci.io/emulator': 'qemu-user' }, ['app', 'sidecar']),
    );
    expect(r.body.response.allowed).toBe(false);
    expect(r.body.response.warnings).toHaveLength(2);
    expect(r.body.response.status.message).toMatch(
      /^vaoci\.io\/emulator: value "qemu-user" — expected .* \(and 1 more: vaoci\.io\/va-limit\.ap: value "i386" — expected a container of this Pod: app, sidecar \(`ap` is none\)\)$/,
    );
  });

  it('under on-error warn: admitted, with the lines as warnings', async () => {
    const r = await call('POST', '/validate', review({ 'vaoci.io/va-limit': 'x86-64', 'vaoci.io/on-error': 'warn' }));
    expect(r.body.response).toMatchObject({ allowed: true, warnings: [expect.stringMatching(/^vaoci\.io\/va-limit: value "x86-64"/)] });
  });

  it('admits other kinds; 400 for what is not an AdmissionReview; /healthz', async () => {
    expect((await call('POST', '/validate', review({ 'vaoci.io/va-limit': 'bad' }, ['app'], 'ConfigMap'))).body.response.allowed).toBe(
      true,
    );
    const notJson = await call('POST', '/validate', '{');
    expect([notJson.status, notJson.body.error]).toEqual([400, 'body is not JSON — expected an AdmissionReview']);
    const noUid = await call('POST', '/validate', JSON.stringify({ kind: 'AdmissionReview', request: {} }));
    expect(noUid.status).toBe(400);
    expect((await call('GET', '/healthz')).body).toEqual({ ok: true });
    expect((await call('GET', '/other')).status).toBe(404);
    expect(log).toMatch(/abc-123 denied: vaoci\.io\/va-limit: value "x86-64"/);
  });
});
