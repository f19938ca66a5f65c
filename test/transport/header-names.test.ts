// Header names that are also Object.prototype members (`constructor`, `__proto__`, `hasOwnProperty`,
// `toString`) on both transports: the handler sees the values sent, and nothing else is touched.
import type { App } from '../../lib/app';
import type { Settings } from '../../lib/settings/index';
import { createApp } from '../../lib/app';
import { parseResponses, rawRequest, startApp } from '../helpers/server';

const TRANSPORTS = ['node', 'krozen'] as const;

function routes(app: App): void {
  app.get('/headers', (req) => {
    const h = req.headers as Record<string, unknown>;
    const own = (name: string): unknown => Object.getOwnPropertyDescriptor(h, name)?.value;
    return {
      body: {
        constructor: own('constructor'),
        proto: own('__proto__'),
        hasownproperty: own('hasownproperty'),
        tostring: own('tostring'),
        types: [typeof h.constructor, typeof h.hasownproperty, typeof h.tostring],
        polluted: ({} as Record<string, unknown>).x !== undefined || Object.getPrototypeOf({}) !== Object.prototype,
      },
    };
  });
}

const REQUEST =
  'GET /headers HTTP/1.1\r\nHost: x\r\nconstructor: y\r\n__proto__: x\r\nhasOwnProperty: z\r\ntoString: t\r\n' +
  'Connection: close\r\n\r\n';

describe.each(TRANSPORTS)('%s transport', (transport) => {
  test('constructor, __proto__, hasOwnProperty, toString reach the handler as the strings sent', async () => {
    const app = await startApp(routes, { transport: transport as Settings['transport'] });
    try {
      const [res] = parseResponses(await rawRequest(app.port, REQUEST));
      expect(res.status).toBe(200);
      const body = JSON.parse(res.body);
      expect(body).toMatchObject({ constructor: 'y', hasownproperty: 'z', tostring: 't', polluted: false });
      expect(body.types).toEqual(['string', 'string', 'string']);
      // node:http stores fields with `headers[name] = value` on an ordinary object: `__proto__` goes to
      // the prototype setter, which ignores a string, and the field is lost. krozen keeps it as a field.
      expect(body.proto).toBe(transport === 'krozen' ? 'x' : undefined);
    } finally {
      await app.stop();
    }
  });
});

test('app.inject: the same names reach the handler as the strings given', async () => {
  const app = createApp();
  routes(app);
  // A computed key: an own property named __proto__ (a literal `__proto__: 'x'` would set the prototype).
  const headers = { constructor: 'y', ['__proto__']: 'x', hasOwnProperty: 'z', toString: 't' };
  const res = await app.inject({ method: 'GET', url: '/headers', headers });
  expect(res.status).toBe(200);
  expect(res.json()).toMatchObject({
    constructor: 'y',
    proto: 'x',
    hasownproperty: 'z',
    tostring: 't',
    polluted: false,
  });
  expect((res.json() as { types: string[] }).types).toEqual(['string', 'string', 'string']);
});
