// The routes the HTTP attackers (http-attackers.ts) expect, added to an app by both servers they run
// against (attack-app.ts in the tests, bench/soak/server.mjs in the soak): GET /bytes?n (n pattern bytes,
// whole), /stream?n (streamed, 64 KiB at a time, with backpressure), /slow?ms&n (after ms), POST /sink (a
// body's length and byte sum). Plain CommonJS so the soak's server needs no TypeScript hook.
'use strict';
const { Readable } = require('node:stream');
const { patternBytes } = require('./byte-pattern');

const octets = { 'content-type': 'application/octet-stream' };
/** A query number, clamped to [0, 1 GiB]. */
const size = (q, fallback) => Math.max(0, Math.min(Number(q ?? fallback) || 0, 1 << 30));

function addAttackRoutes(app) {
  app.get('/bytes', (req) => ({ body: patternBytes(0, size(req.query.n, 65536)), headers: octets }));
  app.get('/stream', (req) => {
    const total = size(req.query.n, 1 << 20);
    let at = 0;
    const body = new Readable({
      read() {
        if (at >= total) {
          this.push(null);
          return;
        }
        const n = Math.min(65536, total - at);
        this.push(patternBytes(at, n));
        at += n;
      },
    });
    return { body, headers: octets };
  });
  app.get('/slow', async (req) => {
    await new Promise((resolve) => setTimeout(resolve, size(req.query.ms, 500)));
    return { body: patternBytes(0, size(req.query.n, 1024)), headers: octets };
  });
  app.post('/sink', (req) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from(JSON.stringify(req.body ?? ''));
    let sum = 0;
    for (let i = 0; i < body.length; i++) sum = (sum + body[i]) >>> 0;
    return { body: { bytes: body.length, sum } };
  });
}

module.exports = { addAttackRoutes };
