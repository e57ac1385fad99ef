/**
 * Asking the running container engine what it loaded: one CRI call,
 * RuntimeService/Status with verbose=true, over the engine's gRPC socket —
 * what `crictl info` shows. The node agent labels a Node ready only when this
 * answer names the runtime handler, because the engine's config files say
 * what it will load at its next start, not what it runs (an install whose
 * restart failed or was left to the operator looks right in the files).
 *
 * Written on node:http2 with the wire format in ./wire, not on @grpc/grpc-js
 * and a protobuf runtime: it is one unary call and three message shapes, and
 * the image carries every dependency on every node.
 *
 * Where the handlers come from: StatusResponse.runtime_handlers (CRI field 3,
 * filled by containerd >= 2.0 and CRI-O >= 1.30; the default handler is the
 * empty name), else the runtimes of the CRI config the engine dumps in
 * info["config"] (containerd 1.x: {"containerd": {"runtimes": {...}}}).
 */
import type * as http2 from 'node:http2';
import { bool, decode, encodeBool, messages, strings, stringMap } from './wire';

/** The CRI path of the Status call (cri-api runtime/v1). */
const STATUS = '/runtime.v1.RuntimeService/Status';

/** Condition is one RuntimeCondition: RuntimeReady and NetworkReady on every engine. */
export interface Condition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

/** CriStatus is what the engine answered. */
export interface CriStatus {
  conditions: Condition[];
  /** handlers the engine runs, from runtime_handlers or its dumped config; null when it says neither. */
  handlers: string[] | null;
  /** handlersFrom says which of the two answered. */
  handlersFrom: 'runtime_handlers' | 'info.config' | null;
}

/** frame wraps one message in gRPC's length-prefixed framing (uncompressed). */
function frame(msg: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

/** unframe takes the one message out of a unary response body. */
function unframe(body: Buffer): Buffer {
  if (body.length < 5) throw new Error(`a gRPC response of ${body.length} bytes, shorter than its frame header`);
  if (body[0] !== 0) throw new Error('a compressed gRPC response (none was asked for)');
  const len = body.readUInt32BE(1);
  if (5 + len > body.length) throw new Error(`a gRPC response frame of ${len} bytes in a body of ${body.length - 5}`);
  return body.subarray(5, 5 + len);
}

/** call makes one unary gRPC call on a unix socket and returns the response message. */
export function call(socket: string, method: string, request: Buffer, timeoutMs: number): Promise<Buffer> {
  // node:http2 and node:net (with tls, http and streams: ~15 ms) are required when a socket is
  // called, not when doctor or node status load this module on a node without one
  /* eslint-disable @typescript-eslint/no-require-imports */
  const net = require('node:net') as typeof import('node:net');
  const { connect } = require('node:http2') as typeof import('node:http2');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new Promise((resolve, reject) => {
    let settled = false;
    // The socket's own error (ENOENT, EACCES, ECONNREFUSED) says more than the stream's cancel that
    // follows it, so it is heard first.
    const conn = net.connect(socket);
    conn.on('error', (e) => done(e));
    const session = connect('http://localhost', { createConnection: () => conn });
    const done = (err: Error | null, value?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      conn.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => done(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    session.on('error', (e) => done(e));
    const req = session.request({ ':method': 'POST', ':path': method, 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    const grpcHeaders = (h: http2.IncomingHttpHeaders) => {
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(h['grpc-message']));
    };
    req.on('response', (h) => {
      if (h[':status'] !== 200) return done(new Error(`HTTP ${h[':status']} from ${method} (not a gRPC server?)`));
      grpcHeaders(h); // a trailers-only answer carries its status here
    });
    req.on('trailers', grpcHeaders);
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('error', (e) => done(e));
    req.on('end', () => {
      if (grpcStatus !== '0')
        return done(new Error(`${method}: gRPC status ${grpcStatus ?? 'missing'}${grpcMessage ? `: ${grpcMessage}` : ''}`));
      try {
        done(null, unframe(Buffer.concat(chunks)));
      } catch (e) {
        done(e as Error);
      }
    });
    req.end(frame(request));
  });
}

/** handlersOfConfig reads the runtime names out of the CRI config an engine dumps in info["config"]. */
export function handlersOfConfig(configJson: string | undefined): string[] | null {
  if (!configJson) return null;
  try {
    const cfg = JSON.parse(configJson) as { containerd?: { runtimes?: Record<string, unknown> } };
    const runtimes = cfg.containerd?.runtimes;
    return runtimes && typeof runtimes === 'object' ? Object.keys(runtimes) : null;
  } catch {
    return null;
  }
}

/** parseStatus decodes a StatusResponse: status (1) → conditions (1), info (2), runtime_handlers (3) → name (1). */
export function parseStatus(msg: Buffer): CriStatus {
  const top = decode(msg);
  const conditions = messages(top, 1).flatMap((status) =>
    messages(status, 1).map((c) => ({
      type: strings(c, 1).pop() ?? '',
      status: bool(c, 2),
      reason: strings(c, 3).pop() ?? '',
      message: strings(c, 4).pop() ?? '',
    })),
  );
  const listed = messages(top, 3).map((h) => strings(h, 1).pop() ?? '');
  if (listed.length) return { conditions, handlers: listed, handlersFrom: 'runtime_handlers' };
  const fromConfig = handlersOfConfig(stringMap(top, 2).config);
  return { conditions, handlers: fromConfig, handlersFrom: fromConfig ? 'info.config' : null };
}

/** EngineVersion is RuntimeService/Version's answer: e.g. containerd, v2.2.1, the CRI API v1. */
export interface EngineVersion {
  name: string;
  version: string;
  apiVersion: string;
}

/** criVersion asks the engine at `socket` which it is: VersionResponse runtime_name (2), runtime_version (3), runtime_api_version (4). */
export async function criVersion(socket: string, timeoutMs = 5000): Promise<EngineVersion> {
  const f = decode(await call(socket, '/runtime.v1.RuntimeService/Version', Buffer.alloc(0), timeoutMs));
  return { name: strings(f, 2).pop() ?? '', version: strings(f, 3).pop() ?? '', apiVersion: strings(f, 4).pop() ?? '' };
}

/** criStatus asks the engine at `socket` for its verbose status. */
export async function criStatus(socket: string, timeoutMs = 5000): Promise<CriStatus> {
  return parseStatus(await call(socket, STATUS, encodeBool(1, true), timeoutMs));
}
