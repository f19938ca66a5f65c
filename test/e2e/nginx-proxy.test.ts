// ci: runs both transports itself (every server here is given its transport; .ci/run leaves it out of the node-transport lanes).
// settings.trustProxy behind a real nginx (Debian's package; .ci/run installs it): the client connects to
// nginx from 127.0.0.2, nginx (from 127.0.0.1) proxies to krozen, appending the client's address to
// X-Forwarded-For, setting X-Forwarded-Proto (https: it stands in for a TLS-terminating listener) and
// X-Forwarded-Host, rewriting Host to the backend's, and passing WebSocket upgrades on. Two nginx servers:
// one in front of an app that trusts nginx's address, one in front of an app that trusts nobody.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import WsClient from 'ws';
import type { Settings } from '../../lib/settings/index';
import { startServer, type TestServer } from '../fixtures/wire';
import { Inbox } from '../ws/helpers';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));
const CLIENT = '127.0.0.2'; // the client's own loopback address, so it differs from nginx's (127.0.0.1)

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForPort(port: number, nginx: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited: ${fs.readFileSync(log, 'utf8')}`);
    const up = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${port}`);
}

function serverBlock(listen: number, backend: number): string {
  return `
    server {
      listen 127.0.0.1:${listen};
      location / {
        proxy_pass http://127.0.0.1:${backend};
        proxy_http_version 1.1;
        proxy_set_header Host 127.0.0.1:${backend};
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto https;
        proxy_set_header X-Forwarded-Host $http_host;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
      }
    }`;
}

interface Nginx {
  process: ChildProcess;
  dir: string;
}

async function startNginx(blocks: Array<[number, number]>): Promise<Nginx> {
  if (NGINX === undefined) throw new Error('nginx is missing: apt-get install nginx-light (.ci/run installs nginx)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-nginx-'));
  fs.chmodSync(dir, 0o755); // nginx's workers (nobody, when the master is root) read and write here
  const log = path.join(dir, 'error.log');
  const conf = `
    daemon off;
    master_process on;
    worker_processes 1;
    pid ${dir}/nginx.pid;
    error_log ${log} warn;
    events { worker_connections 64; }
    http {
      access_log off;
      client_body_temp_path ${dir}/client_body;
      proxy_temp_path ${dir}/proxy;
      fastcgi_temp_path ${dir}/fastcgi;
      uwsgi_temp_path ${dir}/uwsgi;
      scgi_temp_path ${dir}/scgi;
      map $http_upgrade $connection_upgrade { default upgrade; '' close; }
      ${blocks.map(([listen, backend]) => serverBlock(listen, backend)).join('\n')}
    }`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const nginx = spawn(NGINX, ['-c', path.join(dir, 'nginx.conf'), '-p', dir, '-e', log], { stdio: 'ignore' });
  for (const [listen] of blocks) await waitForPort(listen, nginx, log);
  return { process: nginx, dir };
}

async function stopNginx(nginx: Nginx): Promise<void> {
  if (nginx.process.exitCode === null) {
    const exited = new Promise((r) => nginx.process.once('exit', r));
    nginx.process.kill('SIGTERM'); // by its PID: the master stops its worker
    await exited;
  }
  fs.rmSync(nginx.dir, { recursive: true, force: true });
}

/** GET from 127.0.0.2 through nginx, with a spoofed X-Forwarded-For the client writes itself. */
function get(port: number, urlPath: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        localAddress: CLIENT,
        agent: false,
        headers: { 'x-forwarded-for': '6.6.6.6' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, ...JSON.parse(Buffer.concat(chunks).toString()) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket through nginx from 127.0.0.2; resolves with the client or the refusal's status. */
function openThrough(port: number, origin: string): Promise<WsClient | number> {
  return new Promise((resolve, reject) => {
    const ws = new WsClient(`ws://127.0.0.1:${port}/live`, { origin, localAddress: CLIENT });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', reject);
  });
}

function routes(server: TestServer): void {
  server.app.get('/who', (req) => ({
    body: { ip: req.ip, ips: req.ips, peer: req.remoteAddress, protocol: req.protocol, host: req.host },
  }));
  server.app.ws('/live', {
    message: (ctx) => {
      ctx.reply = { ip: ctx.ws.ip, peer: ctx.ws.remoteAddress, echo: ctx.raw };
    },
  });
}

describe.each(['krozen', 'node'] as const)('transport %s behind nginx', (transport) => {
  let trusting: TestServer;
  let plain: TestServer;
  let loopback: TestServer;
  let nginx: Nginx;
  let viaTrusting: number;
  let viaPlain: number;
  let viaLoopback: number;

  beforeAll(async () => {
    const base: Partial<Settings> = { transport, shutdownTimeout: 2000 };
    trusting = await startServer({ ...base, trustProxy: '127.0.0.1' }, () => undefined);
    plain = await startServer(base, () => undefined);
    loopback = await startServer({ ...base, trustProxy: 'loopback' }, () => undefined);
    for (const s of [trusting, plain, loopback]) routes(s);
    viaTrusting = await freePort();
    viaPlain = await freePort();
    viaLoopback = await freePort();
    nginx = await startNginx([
      [viaTrusting, trusting.port],
      [viaPlain, plain.port],
      [viaLoopback, loopback.port],
    ]);
  });

  afterAll(async () => {
    if (nginx !== undefined) await stopNginx(nginx);
    await trusting?.stop();
    await plain?.stop();
    await loopback?.stop();
  });

  test("trustProxy '127.0.0.1' (nginx): req.ip is the address nginx appended, not the client's spoof", async () => {
    expect(await get(viaTrusting, '/who')).toEqual({
      status: 200,
      ip: CLIENT,
      ips: [CLIENT],
      peer: '127.0.0.1',
      protocol: 'https',
      host: `127.0.0.1:${viaTrusting}`,
    });
  });

  test('trustProxy false: req.ip is nginx, protocol the socket’s, host the Host nginx sent', async () => {
    expect(await get(viaPlain, '/who')).toEqual({
      status: 200,
      ip: '127.0.0.1',
      ips: [],
      peer: '127.0.0.1',
      protocol: 'http',
      host: `127.0.0.1:${plain.port}`,
    });
  });

  test("trustProxy 'loopback': the client (127.0.0.2) is trusted as a hop too, so its own X-Forwarded-For is walked", async () => {
    expect(await get(viaLoopback, '/who')).toMatchObject({
      ip: '6.6.6.6',
      ips: ['6.6.6.6', CLIENT],
      protocol: 'https',
    });
  });

  test('a WebSocket through nginx: opens with a same-origin Origin, exchanges a message, sees ws.ip', async () => {
    const ws = await openThrough(viaTrusting, `https://127.0.0.1:${viaTrusting}`);
    if (typeof ws === 'number') throw new Error(`refused with ${ws}`);
    const inbox = new Inbox(ws);
    ws.send('through nginx');
    expect(await inbox.json()).toEqual({ ip: CLIENT, peer: '127.0.0.1', echo: 'through nginx' });
    const closed = new Promise((r) => ws.once('close', r));
    ws.close();
    await closed;
  });

  test('the Origin check: another site, or the wrong scheme, is refused; without trust the rewritten Host fails it', async () => {
    expect(await openThrough(viaTrusting, 'https://evil.example')).toBe(403);
    expect(await openThrough(viaTrusting, `http://127.0.0.1:${viaTrusting}`)).toBe(403); // nginx said https
    expect(await openThrough(viaPlain, `https://127.0.0.1:${viaPlain}`)).toBe(403);
  });
});

test('nginx -v runs (the package is installed)', () => {
  expect(NGINX).toBeDefined();
  expect(spawnSync(NGINX as string, ['-v']).status).toBe(0);
});
