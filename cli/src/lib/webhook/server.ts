/**
 * `vaoci webhook serve`: the HTTPS endpoint the API server calls. POST
 * /validate takes an AdmissionReview and returns the answer; GET /healthz is
 * for probes. Bodies over 3 MiB (the API server's own request limit) or that
 * are not an AdmissionReview get 400 with one line. The certificate is
 * re-read when its file changes, so a rotated Secret needs no restart.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badInput } from '../errors';
import { ReviewError, answer, type Review } from './review';

const MAX_BODY = 3 * 1024 * 1024;

export interface ServeOptions {
  port: number;
  host: string;
  cert: string;
  key: string;
  /** log receives one line per decision. */
  log: (line: string) => void;
}

/** serve starts the server and resolves once it listens (with the port it got). */
export function serve(o: ServeOptions): Promise<{ server: https.Server; port: number }> {
  const tls = () => {
    try {
      return { cert: fs.readFileSync(o.cert), key: fs.readFileSync(o.key) };
    } catch (e) {
      throw badInput(`--tls-cert/--tls-key: ${(e as NodeJS.ErrnoException).code ?? String(e)} — expected readable PEM files`);
    }
  };
  const server = https.createServer(tls(), (req, res) => handle(req, res, o.log));
  for (const f of [o.cert, o.key]) {
    fs.watchFile(f, { interval: 5000 }, () => {
      try {
        server.setSecureContext(tls());
        o.log(`vaoci webhook: reloaded ${f}`);
      } catch {
        o.log(`vaoci webhook: ${f} changed but cannot be read; keeping the old certificate`);
      }
    });
  }
  server.on('close', () => [o.cert, o.key].forEach((f) => fs.unwatchFile(f)));
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(badInput(`--port \`${o.port}\`: ${(e as NodeJS.ErrnoException).code} — expected a free port`)));
    server.listen(o.port, o.host, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

function handle(req: IncomingMessage, res: ServerResponse, log: (line: string) => void): void {
  const send = (code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'GET' && req.url === '/healthz') return send(200, { ok: true });
  if (req.method !== 'POST' || req.url?.split('?')[0] !== '/validate')
    return send(404, { error: 'expected POST /validate or GET /healthz' });
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_BODY) chunks.push(c);
  });
  req.on('end', () => {
    if (size > MAX_BODY) return send(400, { error: `body of ${size} bytes — expected at most ${MAX_BODY}` });
    try {
      const a = answer(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review);
      log(`vaoci webhook: ${a.response.uid} ${a.response.allowed ? 'allowed' : `denied: ${a.response.status?.message}`}`);
      send(200, a);
    } catch (e) {
      send(400, { error: e instanceof ReviewError ? e.message : 'body is not JSON — expected an AdmissionReview' });
    }
  });
}
