/**
 * A stand-in for a container engine's CRI socket: a node:http2 server on a
 * unix socket that answers RuntimeService/Status with what the test sets
 * (runtime_handlers as containerd 2.x and CRI-O fill them, or only the
 * dumped config as containerd 1.x does). What it lacks against a real
 * engine: every other CRI call, and the engine behind the answer — the real
 * containerd 1.6 and 2.2 answer the same call in test/node/ (make test-node).
 */
import * as fs from 'node:fs';
import * as http2 from 'node:http2';

/** Protobuf encoders for the test's answers (the client's decoder is what is under test). */
function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n);
  return Buffer.from(out);
}
export const pb = {
  bytes: (no: number, b: Buffer) => Buffer.concat([varint((no << 3) | 2), varint(b.length), b]),
  str: (no: number, s: string) => pb.bytes(no, Buffer.from(s, 'utf8')),
  bool: (no: number, v: boolean) => (v ? Buffer.from([(no << 3) | 0, 1]) : Buffer.alloc(0)),
};

/** Answer is what Status returns. */
export interface Answer {
  conditions?: Array<{ type: string; status: boolean; reason?: string }>;
  /** runtime_handlers (field 3); absent: the field is left out, as containerd 1.x does. */
  handlers?: string[];
  /** info["config"], as containerd dumps its CRI config. */
  config?: unknown;
  /** grpcStatus: a non-zero gRPC status instead of an answer. */
  grpcStatus?: number;
}

export function statusResponse(a: Answer): Buffer {
  const conds = (
    a.conditions ?? [
      { type: 'RuntimeReady', status: true },
      { type: 'NetworkReady', status: true },
    ]
  ).map((c) => pb.bytes(1, Buffer.concat([pb.str(1, c.type), pb.bool(2, c.status), pb.str(3, c.reason ?? '')])));
  const info = a.config === undefined ? [] : [pb.bytes(2, Buffer.concat([pb.str(1, 'config'), pb.str(2, JSON.stringify(a.config))]))];
  const handlers = (a.handlers ?? []).map((h) => pb.bytes(3, Buffer.concat([pb.str(1, h), pb.bytes(2, pb.bool(1, true))])));
  return Buffer.concat([pb.bytes(1, Buffer.concat(conds)), ...info, ...handlers]);
}

/** CriServer listens on `socket`; `answer` may be changed between calls; `requests` records each call's path and body. */
export class CriServer {
  answer: Answer = {};
  requests: Array<{ path: string; body: Buffer }> = [];
  private server = http2.createServer();

  constructor(readonly socket: string) {
    this.server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => {
        const body = Buffer.concat(chunks);
        this.requests.push({ path: String(headers[':path']), body: body.subarray(5) });
        if (headers[':path'] === '/runtime.v1.RuntimeService/Version') {
          const msg = Buffer.concat([pb.str(1, '0.1.0'), pb.str(2, 'containerd'), pb.str(3, 'v2.2.1'), pb.str(4, 'v1')]);
          const head = Buffer.alloc(5);
          head.writeUInt32BE(msg.length, 1);
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
          stream.end(Buffer.concat([head, msg]));
          return;
        }
        if (headers[':path'] !== '/runtime.v1.RuntimeService/Status') {
          stream.respond(
            { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown method' },
            { endStream: true },
          );
          return;
        }
        if (this.answer.grpcStatus) {
          stream.respond(
            {
              ':status': 200,
              'content-type': 'application/grpc',
              'grpc-status': String(this.answer.grpcStatus),
              'grpc-message': 'refused%20by%20the%20test',
            },
            { endStream: true },
          );
          return;
        }
        const msg = statusResponse(this.answer);
        const head = Buffer.alloc(5);
        head.writeUInt32BE(msg.length, 1);
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.concat([head, msg]));
      });
    });
  }

  listen(): Promise<void> {
    fs.rmSync(this.socket, { force: true });
    return new Promise((r) => this.server.listen(this.socket, r));
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
