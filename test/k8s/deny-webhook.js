#!/usr/bin/env node
// A tiny validating admission webhook (HTTPS, Node's https module only), for
// checking that test/k8s/apiserver.sh's kube-apiserver really calls webhooks.
// Denies any object whose metadata.annotations["vaoci.io/deny"] is set, with
// that annotation's value as the message; allows everything else.
//
//   node test/k8s/deny-webhook.js CERT KEY [PORT]   (PORT 0 = any; prints "listening PORT")
'use strict';
const https = require('https');
const fs = require('fs');

const [cert, key, port = '0'] = process.argv.slice(2);
if (!cert || !key) {
  console.error('usage: deny-webhook.js CERT KEY [PORT]');
  process.exit(2);
}

const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    let review;
    try {
      review = JSON.parse(body);
    } catch {
      res.writeHead(400).end('bad json');
      return;
    }
    const obj = (review.request && review.request.object) || {};
    const msg = obj.metadata && obj.metadata.annotations && obj.metadata.annotations['vaoci.io/deny'];
    const response = { uid: review.request.uid, allowed: !msg };
    if (msg) response.status = { code: 403, message: msg };
    console.error(
      `deny-webhook: ${req.url} ${review.request.operation} ${review.request.kind.kind} ` +
        `${(obj.metadata && obj.metadata.name) || '?'} -> ${msg ? 'deny' : 'allow'}`,
    );
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
  });
});
server.listen(Number(port), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => server.close(() => process.exit(0)));
