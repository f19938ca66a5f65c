// securityHeaders(): helmet's defaults on every answer the pipeline makes (200, 404, 405, 413, 429, 500,
// HttpError), on both transports; a route's own header wins; each header off or changed; the opt-in CSP;
// HSTS only over TLS (a real https server with an openssl certificate, read with node:https).
import { TEST_TLS } from '../helpers/tls-lane';
import { selfSignedCert } from '../helpers/self-signed';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { securityHeaders, rateLimit, HttpError, DEFAULT_CSP } from '../../lib/index';
import { startServer, request, type TestServer } from '../fixtures/wire';

const TRANSPORTS = ['node', 'krozen'] as const;

const DEFAULTS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

describe.each(TRANSPORTS)('transport %s: securityHeaders()', (transport) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  test('the defaults on every kind of answer, no HSTS and no CSP over plain HTTP', async () => {
    server = await startServer(
      { transport, maxBodySize: 16, logger: { error() {}, warn() {}, info() {}, debug() {} } },
      (app) => {
        app.plugin(securityHeaders());
        app.plugin(rateLimit({ limit: 9, windowMs: 60_000, skip: (req) => req.path !== '/limited' }));
        app.get('/ok', () => ({ body: { ok: true } }));
        app.get('/boom', () => {
          throw new Error('boom');
        });
        app.get('/teapot', () => {
          throw new HttpError(418, 'teapot');
        });
        app.get('/limited', () => ({ body: 'x' }));
        app.post('/echo', (req) => ({ body: req.body as object }));
      },
    );
    const port = server.port;
    for (let i = 0; i < 9; i++) await request(port, '/limited');
    const answers = {
      200: await request(port, '/ok'),
      400: await request(port, '/ok?q=%zz'), // refused before the request hooks run
      404: await request(port, '/missing'),
      405: await request(port, '/ok', { method: 'DELETE' }),
      413: await request(port, '/echo', {
        method: 'POST',
        body: 'x'.repeat(100),
        headers: { 'content-type': 'text/plain' },
      }),
      418: await request(port, '/teapot'),
      429: await request(port, '/limited'),
      500: await request(port, '/boom'),
    };
    for (const [status, reply] of Object.entries(answers)) {
      expect([status, reply.status]).toEqual([status, Number(status)]);
      expect(reply.headers).toMatchObject(DEFAULTS);
      // HSTS only where the request came over TLS (the TLS lane's servers serve it).
      expect(reply.headers['strict-transport-security']).toBe(
        TEST_TLS ? 'max-age=31536000; includeSubDomains' : undefined,
      );
      expect(reply.headers['content-security-policy']).toBeUndefined();
    }
  });

  test("a route's own header wins; headers turned off or changed; CSP on with its default set, merged, or report-only", async () => {
    server = await startServer({ transport }, (app) => {
      app.plugin(
        securityHeaders({
          xFrameOptions: false,
          referrerPolicy: 'strict-origin-when-cross-origin',
          originAgentCluster: false,
          contentSecurityPolicy: {
            directives: { scriptSrc: ["'self'", 'https://cdn.example'], upgradeInsecureRequests: false },
          },
        }),
      );
      app.get('/embed', () => ({ body: 'x', headers: { 'Cross-Origin-Resource-Policy': 'cross-origin' } }));
    });
    const r = await request(server.port, '/embed');
    expect(r.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(r.headers['x-frame-options']).toBeUndefined();
    expect(r.headers['origin-agent-cluster']).toBeUndefined();
    expect(r.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['content-security-policy']).toBe(
      "default-src 'self'; base-uri 'self'; font-src 'self' https: data:; form-action 'self'; frame-ancestors 'self'; " +
        "img-src 'self' data:; object-src 'none'; script-src 'self' https://cdn.example; script-src-attr 'none'; " +
        "style-src 'self' https: 'unsafe-inline'",
    );
  });

  test('contentSecurityPolicy: true sends the default set; reportOnly and useDefaults: false', async () => {
    server = await startServer({ transport }, (app) => {
      app.plugin(securityHeaders({ contentSecurityPolicy: true }));
      app.get('/', () => ({ body: 'x' }));
    });
    const r = await request(server.port, '/');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'; base-uri 'self';");
    expect(r.headers['content-security-policy']).toMatch(/; upgrade-insecure-requests$/);
    expect(Object.keys(DEFAULT_CSP)).toContain('frame-ancestors');
    await server.stop();
    server = await startServer({ transport }, (app) => {
      app.plugin(
        securityHeaders({
          contentSecurityPolicy: { useDefaults: false, reportOnly: true, directives: { 'default-src': "'none'" } },
        }),
      );
      app.get('/', () => ({ body: 'x' }));
    });
    const ro = await request(server.port, '/');
    expect(ro.headers['content-security-policy']).toBeUndefined();
    expect(ro.headers['content-security-policy-report-only']).toBe("default-src 'none'");
  });
});

test('bad options throw at setup', () => {
  expect(() => securityHeaders({ referrerPolicy: 'a\nb' })).toThrow(/securityHeaders: referrerPolicy/);
  expect(() => securityHeaders({ contentSecurityPolicy: { directives: { 'script-src': "'self'; x" } } })).toThrow(
    /CSP script-src/,
  );
  expect(() => securityHeaders({ strictTransportSecurity: { maxAge: -1 } })).toThrow(/maxAge/);
});

describe('HSTS over TLS', () => {
  let dir: string;
  let server: TestServer | undefined;
  let ca: string;
  let key: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-hsts-'));
    ({ key, cert: ca } = selfSignedCert(dir, 'IP:127.0.0.1'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function get(port: number, p: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, path: p, ca, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode, ...res.headers }));
        })
        .on('error', reject);
    });
  }

  test('Strict-Transport-Security on answers over TLS (404s too), configurable, or off', async () => {
    server = await startServer({ tls: { key, cert: ca } }, (app) => {
      app.plugin(securityHeaders());
      app.get('/', () => ({ body: 'x' }));
    });
    const ok = await get(server.port, '/');
    expect(ok['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(ok['x-content-type-options']).toBe('nosniff');
    const missing = await get(server.port, '/missing');
    expect(missing).toMatchObject({ status: 404, 'strict-transport-security': 'max-age=31536000; includeSubDomains' });
    await server.stop();
    server = await startServer({ tls: { key, cert: ca } }, (app) => {
      app.plugin(
        securityHeaders({ strictTransportSecurity: { maxAge: 600, includeSubDomains: false, preload: true } }),
      );
    });
    expect((await get(server.port, '/x'))['strict-transport-security']).toBe('max-age=600; preload');
    await server.stop();
    server = await startServer({ tls: { key, cert: ca } }, (app) => {
      app.plugin(securityHeaders({ strictTransportSecurity: false }));
    });
    expect((await get(server.port, '/x'))['strict-transport-security']).toBeUndefined();
  });
});
