// vaoci chart: the pre-delete hook (uninstallOnDelete). Helm waits for hook
// Jobs, not for DaemonSets, and only the DaemonSet reaches every node; so
// this Job re-rolls the node DaemonSet into uninstall mode — its install
// initContainer runs `vaoci node uninstall` instead — on all nodes at once,
// and waits until every scheduled pod is updated and available. Then Helm
// deletes the release. Plain Node.js (the image's), no client library.
// Environment: VAOCI_NAMESPACE, VAOCI_DAEMONSET, VAOCI_UNINSTALL_ARGS (JSON
// array), VAOCI_TIMEOUT_SECONDS; VAOCI_API_URL and VAOCI_POLL_MS for tests.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** patchOps turns the DaemonSet into uninstall mode (JSON patch; the test op guards against a changed layout). */
function patchOps(uninstallArgs) {
  return [
    { op: 'test', path: '/spec/template/spec/initContainers/0/name', value: 'install' },
    { op: 'replace', path: '/spec/template/spec/initContainers/0/args', value: uninstallArgs },
    { op: 'add', path: '/spec/template/metadata/annotations/vaoci.io~1mode', value: 'uninstall' },
    { op: 'replace', path: '/spec/updateStrategy', value: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%' } } },
  ];
}

/** progress says how far the rollout is: done when every scheduled pod runs the new template and is available. */
function progress(ds) {
  const s = ds.status ?? {};
  const want = s.desiredNumberScheduled ?? 0;
  const updated = s.updatedNumberScheduled ?? 0;
  const available = s.numberAvailable ?? 0;
  const observed = (s.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0);
  return { want, updated, available, done: observed && updated === want && available === want && (s.numberUnavailable ?? 0) === 0 };
}

function readIfThere(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** request calls the API server with the pod's token; resolves {status, body}. */
function request(api, method, path, body, contentType) {
  const url = new URL(path, api);
  const token = readIfThere(`${SA_DIR}/token`);
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token.toString().trim()}`;
  if (body !== undefined) headers['Content-Type'] = contentType;
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method, headers, ca: readIfThere(`${SA_DIR}/ca.crt`), timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let parsed;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = { message: text };
        }
        resolve({ status: res.statusCode, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: no answer in 30 s`)));
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** main patches, then polls; returns the exit code. */
async function main(env, log) {
  const api = env.VAOCI_API_URL || `https://${env.KUBERNETES_SERVICE_HOST}:${env.KUBERNETES_SERVICE_PORT}`;
  const path = `/apis/apps/v1/namespaces/${env.VAOCI_NAMESPACE}/daemonsets/${env.VAOCI_DAEMONSET}`;
  const deadline = Date.now() + Number(env.VAOCI_TIMEOUT_SECONDS || 240) * 1000;
  const poll = Number(env.VAOCI_POLL_MS || 5000);
  const patched = await request(api, 'PATCH', path, patchOps(JSON.parse(env.VAOCI_UNINSTALL_ARGS)), 'application/json-patch+json');
  if (patched.status === 404) {
    log(`vaoci uninstall: daemonset ${env.VAOCI_DAEMONSET} is gone: nothing to uninstall`);
    return 0;
  }
  if (patched.status !== 200) {
    log(`vaoci uninstall: patch daemonset ${env.VAOCI_DAEMONSET}: HTTP ${patched.status} ${patched.body.message ?? ''}`);
    return 1;
  }
  let last = '';
  for (;;) {
    const got = await request(api, 'GET', path);
    if (got.status !== 200) {
      log(`vaoci uninstall: get daemonset ${env.VAOCI_DAEMONSET}: HTTP ${got.status} ${got.body.message ?? ''}`);
      return 1;
    }
    const p = progress(got.body);
    const line = `vaoci uninstall: ${p.updated}/${p.want} nodes switched to uninstall, ${p.available}/${p.want} done`;
    if (line !== last) log((last = line));
    if (p.done) return 0;
    if (Date.now() > deadline) {
      log(`vaoci uninstall: timed out; the pods of daemonset ${env.VAOCI_DAEMONSET} not done say why (their install initContainer's log)`);
      return 1;
    }
    await sleep(poll);
  }
}

module.exports = { patchOps, progress, main };

// Run when executed (`node -e` in the Job), not when required by the tests.
if (module.id === '[eval]' || require.main === module) {
  main(process.env, (l) => process.stdout.write(`${l}\n`)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`vaoci uninstall: ${e.message}\n`);
      process.exit(1);
    },
  );
}
