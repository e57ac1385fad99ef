/**
 * The CRI client (cli/src/lib/cri/) against a stand-in engine socket
 * (./cri-server: the gaps are written there): the Status call's request is
 * verbose=true, the handlers come from runtime_handlers or, when an engine
 * leaves that out (containerd 1.x), from its dumped config, and every way
 * the call can fail is one error. The real containerd 1.6 and 2.2 answer it
 * in make test-node.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { criStatus, criVersion, parseStatus } from '../../cli/src/lib/cri/status';
import { decode } from '../../cli/src/lib/cri/wire';
import { handlerRunning, runningVersion } from '../../cli/src/lib/node/engine-live';
import { Host } from '../../cli/src/lib/node/host';
import { CriServer, pb, statusResponse } from './cri-server';
import { tmpDir } from './image-fixtures';

const root = tmpDir('cri');
const socketOnNode = '/run/containerd/containerd.sock';
let server: CriServer;

beforeAll(async () => {
  fs.mkdirSync(path.join(root, 'run/containerd'), { recursive: true });
  server = new CriServer(path.join(root, socketOnNode));
  await server.listen();
});
afterAll(async () => {
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('the protobuf reader', () => {
  test('varints across bytes, strings, nested messages; unknown fields kept', () => {
    const msg = Buffer.concat([
      Buffer.from([0x08, 0xac, 0x02]),
      pb.str(2, 'héllo'),
      pb.bytes(3, pb.str(1, 'in')),
      Buffer.from([0x25, 1, 2, 3, 4]),
    ]);
    expect(decode(msg).map((f) => [f.no, f.wire, f.int ?? f.bytes?.toString('hex')])).toEqual([
      [1, 0, 300n],
      [2, 2, Buffer.from('héllo').toString('hex')],
      [3, 2, pb.str(1, 'in').toString('hex')],
      [4, 5, '01020304'],
    ]);
  });

  test('truncated input throws instead of reading past the end', () => {
    expect(() => decode(Buffer.from([0x12, 0x05, 0x61]))).toThrow(/field 2 runs past the message/);
    expect(() => decode(Buffer.from([0x08, 0x80]))).toThrow(/truncated varint/);
    expect(() => decode(Buffer.from([0x0b]))).toThrow(/wire type 3/);
  });
});

describe('StatusResponse', () => {
  test('runtime_handlers win over the dumped config; the default handler is the empty name', () => {
    const s = parseStatus(statusResponse({ handlers: ['', 'runc', 'vaoci'], config: { containerd: { runtimes: { runc: {} } } } }));
    expect(s).toEqual({
      conditions: [
        { type: 'RuntimeReady', status: true, reason: '', message: '' },
        { type: 'NetworkReady', status: true, reason: '', message: '' },
      ],
      handlers: ['', 'runc', 'vaoci'],
      handlersFrom: 'runtime_handlers',
    });
  });

  test('containerd 1.x: no runtime_handlers, the runtimes of info["config"]', () => {
    expect(
      parseStatus(statusResponse({ config: { containerd: { default_runtime_name: 'runc', runtimes: { runc: {}, vaoci: {} } } } })),
    ).toMatchObject({ handlers: ['runc', 'vaoci'], handlersFrom: 'info.config' });
  });

  test('neither: handlers null', () => {
    expect(parseStatus(statusResponse({ config: { other: 1 } }))).toMatchObject({ handlers: null, handlersFrom: null });
  });
});

describe('asking the engine over its socket', () => {
  test('one call to RuntimeService/Status with verbose=true', async () => {
    server.answer = { handlers: ['runc', 'vaoci'] };
    server.requests.length = 0;
    expect((await criStatus(server.socket)).handlers).toEqual(['runc', 'vaoci']);
    expect(server.requests).toEqual([{ path: '/runtime.v1.RuntimeService/Status', body: Buffer.from([0x08, 0x01]) }]);
  });

  test('the handler running, missing, or the runtime not ready: one line each', async () => {
    const host = new Host(root);
    server.answer = { handlers: ['', 'runc', 'vaoci'] };
    expect(await handlerRunning(host, 'containerd', socketOnNode)).toEqual({
      present: true,
      why: `the running containerd reports the runtime handler "vaoci" (CRI status at ${socketOnNode}, runtime_handlers)`,
    });
    server.answer = { config: { containerd: { runtimes: { runc: {} } } } };
    expect(await handlerRunning(host, 'containerd', socketOnNode)).toEqual({
      present: false,
      why: 'the running containerd has no runtime handler "vaoci" (it runs: runc) — restart it to load the drop-in',
    });
    server.answer = { handlers: ['runc', 'vaoci'], conditions: [{ type: 'RuntimeReady', status: false, reason: 'Starting' }] };
    expect((await handlerRunning(host, 'containerd', socketOnNode)).why).toBe(
      `containerd at ${socketOnNode} says RuntimeReady=false: Starting`,
    );
  });

  test('a gRPC error, no socket, or no server: present false with the cause', async () => {
    const host = new Host(root);
    server.answer = { grpcStatus: 14 };
    expect((await handlerRunning(host, 'containerd', socketOnNode)).why).toMatch(
      /^cannot ask containerd over CRI at \/run\/containerd\/containerd.sock: \/runtime.v1.RuntimeService\/Status: gRPC status 14: refused by the test/,
    );
    expect((await handlerRunning(host, 'cri-o', '/var/run/crio/crio.sock')).why).toBe(
      "cannot ask cri-o over CRI at /var/run/crio/crio.sock: ENOENT (the agent needs the engine's socket; chart value agent.criSocket)",
    );
  });

  test('Version: the running engine names itself; no socket: null', async () => {
    expect(await criVersion(server.socket)).toEqual({ name: 'containerd', version: 'v2.2.1', apiVersion: 'v1' });
    expect(await runningVersion(new Host(root), socketOnNode)).toBe('2.2.1');
    expect(await runningVersion(new Host(root), '/run/none.sock')).toBeNull();
  });

  test('a server that never answers: given up after the timeout, not hung', async () => {
    const held: Array<{ destroy(): void }> = [];
    const silent = net.createServer((c: { destroy(): void }) => held.push(c));
    const sock = path.join(root, 'silent.sock');
    await new Promise<void>((r) => silent.listen(sock, () => r()));
    await expect(criStatus(sock, 300)).rejects.toThrow('no answer in 300 ms');
    held.forEach((c) => c.destroy());
    await new Promise((r) => silent.close(r));
  });
});
