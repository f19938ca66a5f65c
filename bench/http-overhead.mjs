// krozen's own per-request cost over a bare node:http handler, in-process: each request runs on real
// node:http IncomingMessage/ServerResponse objects without a socket (parser, kernel and wrk left out),
// so the figure is the handler + pipeline + header/encoding work only. Much steadier than wrk on a
// shared machine; it cannot show what a transport change would save (see bench/README.md).
//   node bench/http-overhead.mjs [--rounds n]     (npm run build:ts first; each variant in its own process;
//   best of rounds x 4 runs; about 8 s per round)
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const BODY = Buffer.from(
  '{"id":12345,"name":"krozen bench","tags":["fast","json"],"active":true,"score":98.6,"note":"hello"}',
);

// The same logic as bench/servers/node-http.mjs.
function bareHandler(req, res) {
  if (req.method === 'GET' && req.url === '/json') {
    const body = JSON.stringify({ message: 'Hello, World!' });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}

function krozenHandler() {
  const { createApp } = require(path.join(here, '..', 'dist', 'index.js'));
  const { handleRequest } = require(path.join(here, '..', 'dist', 'http', 'pipeline.js'));
  const { handleNodeRequest } = require(path.join(here, '..', 'dist', 'transport', 'node.js'));
  const app = createApp({});
  app.get('/json', () => ({ body: { message: 'Hello, World!' } }));
  app.post('/echo', (req) => ({ body: req.body }));
  const pipeline = (request, sink) => handleRequest(app, request, sink);
  return (req, res) => handleNodeRequest(pipeline, req, res);
}

/** ns per request, best of 4 timed runs after a warm-up. */
async function child(variant, kind) {
  const handler = variant === 'bare' ? bareHandler : krozenHandler();
  const end = http.ServerResponse.prototype.end;
  let settle;
  const one = () => {
    const req = new http.IncomingMessage(null);
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.httpVersion = '1.1';
    if (kind === 'get') {
      req.method = 'GET';
      req.url = '/json';
      req.headers = { host: '127.0.0.1:8000' };
    } else {
      req.method = 'POST';
      req.url = '/echo';
      req.headers = {
        host: '127.0.0.1:8000',
        'content-type': 'application/json',
        'content-length': String(BODY.length),
      };
    }
    const res = new http.ServerResponse(req);
    if (kind === 'get') {
      handler(req, res);
      if (res.outputData.length === 0) throw new Error(`${variant}: GET answered nothing`);
      return undefined;
    }
    const done = new Promise((resolve) => {
      settle = resolve;
    });
    res.end = function endAndSettle(a, b, c) {
      end.call(this, a, b, c);
      settle();
      return this;
    };
    handler(req, res);
    req.push(Buffer.from(BODY));
    req.push(null);
    return done;
  };
  const run = async (n) => {
    for (let i = 0; i < n; i++) {
      const pending = one();
      if (pending !== undefined) await pending;
    }
  };
  const n = kind === 'get' ? 100_000 : 40_000;
  await run(n / 2);
  let best = Infinity;
  for (let round = 0; round < 4; round++) {
    const start = process.cpuUsage();
    await run(n);
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system) * 1000) / n);
  }
  console.log(best.toFixed(0));
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], args[2]);
  const at = args.indexOf('--rounds');
  const rounds = at === -1 ? 5 : Number(args[at + 1]);
  const variants = [
    ['bare', {}],
    ['krozen', {}],
    ['krozen-js', { KROZEN_NO_NATIVE: '1' }],
  ];
  for (const kind of ['get', 'post']) {
    const best = new Map(variants.map(([name]) => [name, Infinity]));
    for (let r = 0; r < rounds; r++) {
      for (const [name, env] of variants) {
        const out = execFileSync(
          process.execPath,
          [fileURLToPath(import.meta.url), '--child', name === 'bare' ? 'bare' : 'krozen', kind],
          { env: { ...process.env, ...env }, encoding: 'utf8' },
        );
        best.set(name, Math.min(best.get(name), Number(out.trim())));
      }
    }
    const bare = best.get('bare');
    for (const [name] of variants) {
      const ns = best.get(name);
      console.log(
        `${kind.padEnd(4)} ${name.padEnd(10)} ${String(ns).padStart(6)} ns/request  ${name === 'bare' ? '' : `(${ns >= bare ? '+' : ''}${ns - bare} ns vs the bare handler)`}`,
      );
    }
  }
}

await main();
