// Malformed requests that follow a good one on the same kept-alive connection (issue 9): node:http sets
// socket._httpMessage to null once a keep-alive response has finished, and reading a field of it used to
// throw inside node:http's 'clientError' emit, which ended the process. Every case the HTTP tests send to a
// fresh connection is sent here after a good request; the server answers (or closes) and keeps serving.
import { RawConnection } from '../helpers/raw-connection';
import { request, startApp, type Running } from '../helpers/server';
import { killChild, startChild } from '../helpers/child';

const GOOD = 'GET /json HTTP/1.1\r\nHost: x\r\n\r\n';

let r: Running;
beforeAll(async () => {
  r = await startApp(
    (app) => {
      app.get('/json', () => ({ body: { ok: true } }));
      app.post('/echo', (req) => ({ body: { got: req.body } }));
      app.get('/path/:name', (req) => ({ body: { name: req.params.name } }));
      app.get('/slow', async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return { body: { slow: true } };
      });
    },
    { maxBodySize: 1024, headersTimeout: 400, requestTimeout: 800 },
  );
});
afterAll(() => r.stop());

async function expectServing(): Promise<void> {
  const res = await request(r.port, { path: '/_internal/health' });
  expect(res.status).toBe(200);
}

/** Sends GOOD and checks its answer; the connection stays open for the next request. */
async function afterGoodRequest(): Promise<RawConnection> {
  const conn = await RawConnection.open(r.port);
  conn.send(GOOD);
  const first = await conn.response();
  expect(first?.status).toBe(200);
  expect(JSON.parse(first!.body)).toEqual({ ok: true });
  return conn;
}

// [name, bytes sent after the good request, FIN after them, expected status, expected JSON body]
const CASES: Array<[string, string, boolean, number, unknown]> = [
  ['NUL in a header name', 'GET /json HTTP/1.1\r\nHo\0st: x\r\n\r\n', false, 400, { error: 'Bad Request' }],
  ['not HTTP at all', 'THIS IS NOT HTTP\r\n\r\n', false, 400, { error: 'Bad Request' }],
  ['an invalid method token', 'G@T /json HTTP/1.1\r\nHost: x\r\n\r\n', false, 400, { error: 'Bad Request' }],
  ['an invalid HTTP version', 'GET /json HTTP/9.x\r\nHost: x\r\n\r\n', false, 400, { error: 'Bad Request' }],
  [
    'headers over the size limit',
    `GET /json HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    false,
    431,
    { error: 'Request Header Fields Too Large' },
  ],
  [
    'a non-numeric Content-Length',
    'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    false,
    400,
    { error: 'Bad Request' },
  ],
  [
    'Content-Length with Transfer-Encoding',
    'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    false,
    400,
    { error: 'Bad Request' },
  ],
  [
    'a bad chunk size',
    'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n',
    false,
    400,
    { error: 'Bad Request' },
  ],
  [
    'invalid JSON',
    'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"a":',
    false,
    400,
    { error: 'Invalid JSON' },
  ],
  ['a malformed path', 'GET /path/%zz HTTP/1.1\r\nHost: x\r\n\r\n', false, 400, undefined],
  [
    'a body over maxBodySize',
    'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n{"a":',
    false,
    413,
    undefined,
  ],
];

describe('a good request, then a malformed one on the same connection', () => {
  test.each(CASES)('%s → answered, then a new connection is served', async (_name, bad, fin, status, body) => {
    const conn = await afterGoodRequest();
    conn.send(bad);
    if (fin) conn.end();
    const res = await conn.response();
    expect(res?.status).toBe(status);
    if (body !== undefined) expect(JSON.parse(res!.body)).toEqual(body);
    else expect(typeof JSON.parse(res!.body).error).toBe('string');
    conn.destroy();
    await expectServing();
  });

  test('an incomplete request, then FIN → 400 or a close, never a crash', async () => {
    const conn = await afterGoodRequest();
    conn.send('GET /json HTTP/1.1\r\nHost: x\r\nX-A');
    conn.end();
    const res = await conn.response();
    if (res !== null) {
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ error: 'Bad Request' });
    }
    await conn.closed;
    await expectServing();
  });

  test('headers that never finish → 408 on the kept-alive connection', async () => {
    const conn = await afterGoodRequest();
    conn.send('GET /json HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const res = await conn.response(5000);
    expect(res?.status).toBe(408);
    expect(JSON.parse(res!.body)).toEqual({ error: 'Request Timeout' });
    await conn.closed;
    await expectServing();
  });

  test('two good requests, then a malformed one: still answered', async () => {
    const conn = await afterGoodRequest();
    conn.send(GOOD);
    expect((await conn.response())?.status).toBe(200);
    conn.send('GET /json HTTP/1.1\r\nHo\0st: x\r\n\r\n');
    expect((await conn.response())?.status).toBe(400);
    await conn.closed;
    await expectServing();
  });

  test('a malformed request pipelined behind a slow good one: the good answer first, then the 400', async () => {
    const conn = await RawConnection.open(r.port);
    conn.send('GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /json HTTP/1.1\r\nHo\0st: x\r\n\r\n');
    const first = await conn.response();
    expect(first?.status).toBe(200);
    expect(JSON.parse(first!.body)).toEqual({ slow: true });
    const second = await conn.response();
    if (second !== null) {
      expect(second.status).toBe(400);
      expect(JSON.parse(second.body)).toEqual({ error: 'Bad Request' });
    }
    await conn.closed;
    await expectServing();
  });

  test('more bytes after the 400 do not answer twice', async () => {
    const conn = await afterGoodRequest();
    conn.send('THIS IS NOT HTTP\r\n\r\n');
    conn.send('MORE GARBAGE\r\n\r\n');
    expect((await conn.response())?.status).toBe(400);
    await conn.closed;
    expect(conn.rest).toBe('');
    await expectServing();
  });
});

describe('the sequences from issue 9, against a server in its own process', () => {
  test.each([
    ['a NUL in a header name', 'GET /pid HTTP/1.1\r\nHo\0st: x\r\n\r\n', false],
    ['an unfinished header, then FIN', 'GET /pid HTTP/1.1\r\nHost: x\r\nX-A', true],
  ])('%s after a good request: the process lives', async (_name, bad, fin) => {
    const child = await startChild();
    try {
      for (let i = 0; i < 3; i++) {
        const conn = await RawConnection.open(child.port);
        conn.send('GET /pid HTTP/1.1\r\nHost: x\r\n\r\n');
        expect((await conn.response())?.status).toBe(200);
        conn.send(bad);
        if (fin) conn.end();
        const res = await conn.response();
        if (res !== null) expect(res.status).toBe(400);
        await conn.closed;
      }
      const health = await request(child.port, { path: '/_internal/health' });
      expect(health.status).toBe(200);
      expect(child.proc.exitCode).toBeNull();
      expect(child.stderr.join('')).not.toMatch(/TypeError/);
    } finally {
      await killChild(child);
    }
  });
});
