// The App surface through a real server: routing precedence, router groups, plugins, built-in endpoints.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { createApp, app as globalApp, App } from '../lib/app';
import { router } from '../lib/router-group';
import { settings as globalSettings } from '../lib/settings/index';
import { startApp, request, type Running } from './helpers/server';

// The validator is ESM only and jest runs CommonJS: it runs in a child node process.
const VALIDATE = `
import { Validator } from '@seriousme/openapi-schema-validator';
let input = '';
for await (const chunk of process.stdin) input += chunk;
process.stdout.write(JSON.stringify(await new Validator().validate(JSON.parse(input))));
`;

function validate(doc: object): { valid: boolean; errors?: unknown } {
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', VALIDATE], {
    cwd: path.join(__dirname, '..'),
    input: JSON.stringify(doc),
    encoding: 'utf8',
    timeout: 20000,
  });
  return JSON.parse(stdout);
}

describe('routing precedence through the server', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startApp((app) => {
      const tag = (name: string) => (req: { params: Record<string, string> }) => ({
        body: { route: name, params: { ...req.params } },
      });
      app.get('/', tag('root'));
      app.get('/users/list', tag('users-list'));
      app.get('/users/:id', tag('user'));
      app.get('/files/:n/info', tag('file-info'));
      app.get('/files/*rest', tag('files-rest'));
      app.get('/echo', tag('echo'));
      app.get('/echo/', tag('echo-slash'));
      app.get('/any/*', tag('bare-wildcard'));
      app.get('/multi', tag('multi-get'));
      app.post('/multi', tag('multi-post'));
      app.put('/multi', tag('multi-put'));
      app.delete('/multi', tag('multi-delete'));
      app.patch('/multi', tag('multi-patch'));
      app.patch('/items/:id', tag('item-patch'));
    });
  });
  afterAll(() => r.stop());

  async function route(path: string, method = 'GET') {
    const res = await request(r.port, { path, method });
    return { status: res.status, ...JSON.parse(res.text || '{}') };
  }

  test.each([
    ['/', 'root', {}],
    ['/users/list', 'users-list', {}],
    ['/users/42', 'user', { id: '42' }],
    ['/users/', 'user', { id: '' }],
    ['/files/7/info', 'file-info', { n: '7' }],
    ['/files/7/other', 'files-rest', { rest: '7/other' }],
    ['/files/a/b/c', 'files-rest', { rest: 'a/b/c' }],
    ['/echo', 'echo', {}],
    ['/echo/', 'echo-slash', {}],
    ['/any/thing/here', 'bare-wildcard', {}],
    ['/users/j%C3%BCrgen', 'user', { id: 'jürgen' }],
    // The router gets the decoded path, so an encoded slash separates segments like a plain one.
    ['/files/a%2Fb', 'files-rest', { rest: 'a/b' }],
  ])('GET %s → %s', async (path, name, params) => {
    const res = await route(path);
    expect(res).toEqual({ status: 200, route: name, params });
  });

  test('several methods on one path, PATCH included', async () => {
    for (const m of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'])
      expect((await route('/multi', m)).route).toBe(`multi-${m.toLowerCase()}`);
    expect(await route('/items/9', 'PATCH')).toEqual({ status: 200, route: 'item-patch', params: { id: '9' } });
    const options = await request(r.port, { method: 'OPTIONS', path: '/multi' });
    expect(options.headers.allow).toBe('GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS');
  });

  test('405 lists what the path allows', async () => {
    const res = await request(r.port, { method: 'POST', path: '/items/9' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('PATCH, OPTIONS');
  });
});

describe('registration errors', () => {
  test('duplicate METHOD path', () => {
    const app = createApp();
    app.get('/x', () => undefined);
    expect(() => app.get('/x', () => undefined)).toThrow('Duplicate route: GET /x');
    app.post('/x', () => undefined); // another method is fine
  });

  test('conflicting parameter names', () => {
    const app = createApp();
    app.get('/u/:a', () => undefined);
    expect(() => app.get('/u/:b/x', () => undefined)).toThrow("Conflicting parameter names at /u/:b/x: 'a' vs 'b'");
  });

  test('a handler must be a function', () => {
    expect(() => createApp().get('/x', 'nope' as never)).toThrow(TypeError);
    expect(() => createApp().use(42 as never)).toThrow('Middleware must be a function');
  });

  test('a route clashing with a built-in endpoint is a duplicate', () => {
    expect(() => createApp().get('/_internal/health', () => undefined)).toThrow(
      'Duplicate route: GET /_internal/health',
    );
  });
});

describe('router groups, plugins, state, built-in endpoints', () => {
  let r: Running;
  const api = router('/api/v1', { tags: ['v1'] });
  let setupCalls = 0;
  beforeAll(async () => {
    api.get(
      '/',
      function apiRoot() {
        return { body: 'root' };
      },
      { summary: 'API root' },
    );
    api.get(
      '/things/',
      function listThings() {
        return { body: ['a', 'b'] };
      },
      { tags: ['things'], description: 'All things', responses: { 200: 'The things', 404: 'None' } },
    );
    r = await startApp(
      (app) => {
        app.includeRouter(api);
        app.plugin({
          name: 'counter',
          setup(a: App) {
            setupCalls++;
            a.state.hits = 0;
            a.use(() => {
              a.state.hits++;
            });
          },
        });
        app.get('/hits', () => ({ body: { hits: app.state.hits } }));
      },
      { infoEndpoint: true, openapiEndpoint: true },
    );
  });
  afterAll(() => r.stop());

  test('group routes are joined under the prefix', async () => {
    expect(await (await fetch(`${r.base}/api/v1`)).json()).toBe('root');
    expect(await (await fetch(`${r.base}/api/v1/things`)).json()).toEqual(['a', 'b']);
    expect((await fetch(`${r.base}/api/v1/things/`)).status).toBe(404);
  });

  test('routes added to the group after includeRouter are served too', async () => {
    api.post('/later', () => ({ status: 201, body: { later: true } }));
    const res = await fetch(`${r.base}/api/v1/later`, { method: 'POST' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ later: true });
  });

  test('plugin setup ran once, at plugin() time, and its middleware works', async () => {
    expect(setupCalls).toBe(1);
    const before = (await (await fetch(`${r.base}/hits`)).json()).hits;
    const after = (await (await fetch(`${r.base}/hits`)).json()).hits;
    expect(after).toBe(before + 1);
  });

  test('plugins must have a name and a setup function', () => {
    expect(() => createApp().plugin({ setup() {} } as never)).toThrow('A plugin needs a name');
    expect(() => createApp().plugin({ name: 'x' } as never)).toThrow('A plugin needs a setup(app) function');
  });

  test('/_internal/health', async () => {
    const res = await fetch(`${r.base}/_internal/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('/_internal/info: version, node, backends, plugins', async () => {
    const info = await (await fetch(`${r.base}/_internal/info`)).json();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(info.version).toBe(require('../package.json').version);
    expect(info.node).toBe(process.version);
    expect(info.plugins).toEqual(['counter']);
    const expected = r.app.settings.http2 ? 'node:http2' : r.app.settings.transport === 'node' ? 'node:http' : 'krozen';
    expect(info.backends.server).toBe(expected);
    const native = process.env.KROZEN_NO_NATIVE !== '1';
    expect(info.backends.json === 'js').toBe(!native || info.backends.json === 'js');
    if (!native) {
      expect(info.backends.json).toBe('js');
      expect(info.backends.mask).toBe('js');
    }
  });

  test('/_internal/openapi.json is a valid OpenAPI 3.1 document of every route', async () => {
    const doc = await (await fetch(`${r.base}/_internal/openapi.json`)).json();
    const result = validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(doc.info.version).toBe('0.1.0');
    const things = doc.paths['/api/v1/things'].get;
    expect(things.tags).toEqual(['v1', 'things']);
    expect(things.operationId).toBe('listThings');
    expect(things.description).toBe('All things');
    expect(things.responses['404'].description).toBe('None');
    expect(doc.paths['/api/v1'].get.summary).toBe('API root');
    expect(doc.paths['/api/v1/later'].post).toBeDefined();
    expect(doc.paths['/hits'].get).toBeDefined();
    expect(doc.paths['/_internal/health'].get).toBeDefined();
  });
});

describe('internal endpoints: health always, info and OpenAPI only when enabled', () => {
  test('defaults: /_internal/info and /_internal/openapi.json are 404 like an unknown path; health is 200', async () => {
    const r = await startApp((app) => {
      app.get('/x', () => ({}));
    });
    try {
      expect((await fetch(`${r.base}/_internal/health`)).status).toBe(200);
      for (const p of ['/_internal/info', '/_internal/openapi.json']) {
        const res = await fetch(`${r.base}${p}`);
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({ error: 'Not Found', method: 'GET', path: p });
      }
      // Read per request: turning one on after start works.
      r.app.settings.openapiEndpoint = true;
      const doc = await (await fetch(`${r.base}/_internal/openapi.json`)).json();
      expect(doc.paths['/x']).toBeDefined();
      expect(doc.paths['/_internal/health']).toBeDefined();
      expect(doc.paths['/_internal/info']).toBeUndefined(); // info is still off: not advertised
      r.app.settings.infoEndpoint = true;
      expect((await fetch(`${r.base}/_internal/info`)).status).toBe(200);
    } finally {
      await r.stop();
    }
  });
});

describe('the OpenAPI document names the app', () => {
  test('settings.openapi sets title, version and description', async () => {
    const r = await startApp(
      (app) => {
        app.get('/x', () => ({}));
      },
      { openapi: { title: 'Chat API', version: '2.3.4', description: 'A demo' }, openapiEndpoint: true },
    );
    try {
      const doc = await (await fetch(`${r.base}/_internal/openapi.json`)).json();
      expect(doc.info).toEqual({ title: 'Chat API', version: '2.3.4', description: 'A demo' });
      expect(validate(doc).valid).toBe(true);
    } finally {
      await r.stop();
    }
  });
});

describe('createApp and the global app', () => {
  test('createApp(overrides) has its own settings; the global app uses the global settings', () => {
    const a = createApp({ maxBodySize: 5 });
    const b = createApp();
    expect(a.settings.maxBodySize).toBe(5);
    expect(b.settings.maxBodySize).toBe(1024 * 1024);
    expect(a.settings).not.toBe(b.settings);
    expect(globalApp.settings).toBe(globalSettings);
    expect(a.state).not.toBe(b.state);
  });

  test('publish without any WebSocket reaches no one', () => {
    expect(createApp().publish('topic', { x: 1 })).toBe(0);
  });
});
