// Request bodies, limits, and percent-decoding of path and query, at the wire.
import { startApp, request, rawRequest, parseResponses, type Running } from '../helpers/server';
import { connectRaw } from '../helpers/tls-lane';

const LIMIT = 64 * 1024;
let r: Running;
beforeAll(async () => {
  r = await startApp(
    (app) => {
      app.post('/inspect', (req) => ({
        body: {
          kind: Buffer.isBuffer(req.body) ? 'buffer' : req.body === null ? 'null' : typeof req.body,
          value: Buffer.isBuffer(req.body) ? [...req.body] : req.body,
        },
      }));
      app.put('/inspect', (req) => ({ body: { method: req.method, value: req.body } }));
      app.get('/path/:name', (req) => ({ body: { path: req.path, name: req.params.name } }));
      app.get('/query', (req) => ({ body: req.query }));
      app.get('/ignores-query', () => ({ body: 'fine' }));
    },
    { maxBodySize: LIMIT },
  );
});
afterAll(() => r.stop());

function inspect(body: string | Buffer, headers: Record<string, string> = {}) {
  return request(r.port, {
    method: 'POST',
    path: '/inspect',
    body,
    headers: { 'content-length': String(Buffer.byteLength(body)), ...headers },
  });
}

describe('body parsing by content type', () => {
  test('application/json → parsed (charset and case ignored)', async () => {
    const res = await inspect('{"a":{"b":[1,2]}}', { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(JSON.parse(res.text)).toEqual({ kind: 'object', value: { a: { b: [1, 2] } } });
  });

  test('+json media types are JSON too', async () => {
    const res = await inspect('[1]', { 'content-type': 'application/merge-patch+json' });
    expect(JSON.parse(res.text)).toEqual({ kind: 'object', value: [1] });
  });

  test('application/json with invalid JSON → 400 {"error":"Invalid JSON"}, server lives', async () => {
    const res = await inspect('{"a":', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ error: 'Invalid JSON' });
    expect((await inspect('1', { 'content-type': 'application/json' })).status).toBe(200);
  });

  test('no content type: JSON if it parses, else the string', async () => {
    expect(JSON.parse((await inspect('{"x":true}')).text)).toEqual({ kind: 'object', value: { x: true } });
    expect(JSON.parse((await inspect('hello there')).text)).toEqual({ kind: 'string', value: 'hello there' });
    expect(JSON.parse((await inspect('null')).text)).toEqual({ kind: 'null', value: null });
  });

  test('text/* → string, even when it looks like JSON', async () => {
    const res = await inspect('{"x":1} ✓', { 'content-type': 'text/plain; charset=utf-8' });
    expect(JSON.parse(res.text)).toEqual({ kind: 'string', value: '{"x":1} ✓' });
  });

  test('other content types → Buffer', async () => {
    const res = await inspect(Buffer.from([1, 2, 250]), { 'content-type': 'application/octet-stream' });
    expect(JSON.parse(res.text)).toEqual({ kind: 'buffer', value: [1, 2, 250] });
  });

  test('no body → undefined', async () => {
    const res = await request(r.port, { method: 'POST', path: '/inspect' });
    expect(JSON.parse(res.text)).toEqual({ kind: 'undefined' });
  });

  test('a chunked body is read whole', async () => {
    const raw = await rawRequest(
      r.port,
      'PUT /inspect HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
        '4\r\n{"k"\r\n6\r\n:"v"}\n\r\n0\r\n\r\n',
    );
    const [res] = parseResponses(raw);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ method: 'PUT', value: { k: 'v' } });
  });

  test('a body exactly at the limit is accepted', async () => {
    const body = JSON.stringify('x'.repeat(LIMIT - 2));
    const res = await inspect(body, { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).value.length).toBe(LIMIT - 2);
  });
});

describe('413 without reading the rest', () => {
  test('by Content-Length: answered before the body is sent', async () => {
    const raw = await rawRequest(
      r.port,
      `POST /inspect HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n{"a":`,
    );
    const [res] = parseResponses(raw);
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body).error).toMatch(/^Payload Too Large/);
    expect((await inspect('1')).status).toBe(200);
  });

  test('chunked: answered while the client is still sending', async () => {
    const CAP = 32 * 1024 * 1024; // the client would send this much at most (about 4 s)
    const result = await new Promise<{ response: string; sent: number }>((resolve, reject) => {
      const socket = connectRaw(r.port);
      let sent = 0;
      let response = '';
      const chunk = 'x'.repeat(16 * 1024);
      let timer: NodeJS.Timeout | undefined;
      socket.on('connect', () => {
        socket.write('POST /inspect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
        timer = setInterval(() => {
          if (sent >= CAP || !socket.writable) return; // bounded, in case the server never answers
          socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
          sent += chunk.length;
        }, 2);
      });
      socket.on('data', (d) => {
        response += d.toString('latin1');
        if (response.includes('\r\n\r\n') && response.includes('}')) {
          clearInterval(timer);
          socket.destroy();
          resolve({ response, sent });
        }
      });
      socket.on('error', (err) => {
        clearInterval(timer);
        if (response) resolve({ response, sent });
        else reject(err);
      });
    });
    const [res] = parseResponses(result.response);
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(result.sent).toBeLessThan(CAP); // the answer came before the body ended
    expect((await inspect('2')).status).toBe(200);
  });
});

describe('percent-decoding', () => {
  test('path: %20 and UTF-8 are decoded, + stays', async () => {
    const res = await fetch(`${r.base}/path/caf%C3%A9%20au+lait`);
    expect(await res.json()).toEqual({ path: '/path/café au+lait', name: 'café au+lait' });
  });

  test('query: + is a space, %XX decoded, a repeated key is an array, empty values', async () => {
    const res = await fetch(`${r.base}/query?q=hello+world&x=1&x=2&e=%E2%9C%93&flag&empty=`);
    expect(await res.json()).toEqual({ q: 'hello world', x: ['1', '2'], e: '✓', flag: '', empty: '' });
  });

  test.each(['/path/%E0%A4%A', '/path/%zz', '/path/100%'])('malformed path %s → 400', async (path) => {
    const res = await request(r.port, { path });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toMatch(/percent-encoding/);
  });

  test.each(['/query?a=%ZZ', '/ignores-query?a=%E0%A4%A', '/query?%=1'])(
    'malformed query %s → 400, even unread',
    async (path) => {
      const res = await request(r.port, { path });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text).error).toMatch(/percent-encoding/);
    },
  );
});
