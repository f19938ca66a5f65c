// Uploads at the wire: multipart parsing, fields in req.body, limits (413), not multipart / malformed
// (400), and after every refusal a request on another connection is served normally.
import http from 'node:http';
import type { MemoryFile } from '../../lib/features/upload';
import type { Request } from '../../lib/http/types';
import { json, request, startServer, type TestServer } from '../fixtures/wire';
import { BOUNDARY, MULTIPART_TYPE, multipart, partHead } from '../fixtures/multipart';
import { laneRequest, laneAgent } from '../helpers/tls-lane';

const limits = {
  uploadMaxFileSize: 64 * 1024,
  uploadMaxFiles: 3,
  uploadMaxFields: 4,
  uploadMaxFieldSize: 1024,
};

let server: TestServer;
let lastFiles: MemoryFile[] = [];

function summary(files: MemoryFile[], req: Request) {
  return {
    body: {
      fields: req.body,
      files: files.map((f) => ({
        fieldname: f.fieldname,
        filename: f.filename,
        contentType: f.contentType,
        size: f.size,
        sameSize: f.content.length === f.size,
      })),
    },
  };
}

beforeAll(async () => {
  server = await startServer(limits, (app) => {
    app.upload(
      '/upload',
      (files, req) => {
        lastFiles = files;
        return summary(files, req);
      },
      { storage: 'memory' },
    );
    app.upload('/upload-async', async (files) => {
      await new Promise((r) => setTimeout(r, 5));
      return { status: 201, body: { count: files.length } };
    });
    app.get('/ping', () => ({ body: { pong: true } }));
  });
});

afterAll(() => server.stop());
beforeEach(() => {
  lastFiles = [];
});

function post(
  body: Buffer | string | ((req: http.ClientRequest) => void),
  contentType = MULTIPART_TYPE,
  p = '/upload',
) {
  return request(server.port, p, { method: 'POST', headers: { 'content-type': contentType }, body });
}

async function expectServerAlive(): Promise<void> {
  const r = await request(server.port, '/ping');
  expect(r.status).toBe(200);
  expect(json(r)).toEqual({ pong: true });
}

test('one file: name, type, size and exact bytes', async () => {
  const content = Buffer.alloc(5000);
  for (let i = 0; i < content.length; i++) content[i] = (i * 7) & 0xff;
  const r = await post(multipart([{ name: 'doc', filename: 'a.bin', contentType: 'image/png', content }]));
  expect(r.status).toBe(200);
  expect(json(r)).toEqual({
    fields: {},
    files: [{ fieldname: 'doc', filename: 'a.bin', contentType: 'image/png', size: 5000, sameSize: true }],
  });
  expect(lastFiles[0].content.equals(content)).toBe(true);
});

test('several files and fields; a file without a type is text/plain (RFC 7578); async handler result is sent', async () => {
  const body = multipart([
    { name: 'title', content: 'Hello ✓' },
    { name: 'a', filename: 'a.txt', contentType: 'text/plain', content: 'alpha' },
    { name: 'tags', content: 'x' },
    { name: 'b', filename: 'b.dat', content: Buffer.from([0, 1, 2, 255]) },
    { name: 'tags', content: 'y' },
    { name: 'empty', filename: 'empty.txt', contentType: 'text/plain', content: '' },
  ]);
  const r = await post(body);
  expect(r.status).toBe(200);
  const out = json(r) as { fields: Record<string, string>; files: unknown[] };
  expect(out.fields).toEqual({ title: 'Hello ✓', tags: 'y' });
  expect(out.files).toEqual([
    { fieldname: 'a', filename: 'a.txt', contentType: 'text/plain', size: 5, sameSize: true },
    { fieldname: 'b', filename: 'b.dat', contentType: 'text/plain', size: 4, sameSize: true },
    { fieldname: 'empty', filename: 'empty.txt', contentType: 'text/plain', size: 0, sameSize: true },
  ]);
  expect(lastFiles[0].content.toString()).toBe('alpha');
  expect([...lastFiles[1].content]).toEqual([0, 1, 2, 255]);

  const r2 = await post(body, MULTIPART_TYPE, '/upload-async');
  expect(r2.status).toBe(201);
  expect(json(r2)).toEqual({ count: 3 });
});

test('a body sent in tiny pieces is reassembled', async () => {
  const content = Buffer.from('slow but complete '.repeat(50));
  const body = multipart([
    { name: 'f', filename: 'slow.txt', content },
    { name: 'k', content: 'v' },
  ]);
  const r = await post((req) => {
    let i = 0;
    const step = (): void => {
      if (i >= body.length) {
        req.end();
        return;
      }
      req.write(body.subarray(i, i + 97));
      i += 97;
      setImmediate(step);
    };
    step();
  });
  expect(r.status).toBe(200);
  expect(lastFiles[0].content.equals(content)).toBe(true);
  expect((json(r) as { fields: unknown }).fields).toEqual({ k: 'v' });
});

test('a file exactly at the size limit is accepted', async () => {
  const r = await post(multipart([{ name: 'f', filename: 'edge.bin', content: Buffer.alloc(64 * 1024, 1) }]));
  expect(r.status).toBe(200);
  expect(lastFiles[0].size).toBe(64 * 1024);
});

describe('limits → 413 and the server keeps serving', () => {
  test('file too large: answered while the client is still sending, connection closed', async () => {
    // Up to 256 MiB offered; the client stops writing once the answer is in (or the socket is closed).
    const total = 256 * 1024 * 1024;
    let sent = 0;
    let stopped = false;
    const r = await post((req) => {
      req.write(partHead({ name: 'f', filename: 'huge.bin', contentType: 'application/octet-stream' }));
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const stop = (): void => {
        stopped = true;
      };
      req.on('response', stop);
      req.on('error', stop); // the server closes after its answer; writes may fail then
      req.on('close', stop);
      const pump = (): void => {
        while (!stopped && sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        if (!stopped) req.end(`\r\n--${BOUNDARY}--\r\n`);
      };
      pump();
    });
    expect(r.status).toBe(413);
    expect(json(r)).toEqual({ error: 'File too large' });
    expect(r.headers.connection).toBe('close');
    expect(sent).toBeLessThan(total);
    expect(lastFiles).toEqual([]);
    await expectServerAlive();
  });

  test('file too large, sent in one piece', async () => {
    const r = await post(multipart([{ name: 'f', filename: 'big.bin', content: Buffer.alloc(64 * 1024 + 1) }]));
    expect(r.status).toBe(413);
    expect(json(r)).toEqual({ error: 'File too large' });
    await expectServerAlive();
  });

  test('too many files', async () => {
    const parts = [1, 2, 3, 4].map((i) => ({ name: `f${i}`, filename: `${i}.txt`, content: 'x' }));
    const r = await post(multipart(parts));
    expect(r.status).toBe(413);
    expect(json(r)).toEqual({ error: 'Too many files' });
    await expectServerAlive();
  });

  test('too many fields', async () => {
    const parts = [1, 2, 3, 4, 5].map((i) => ({ name: `k${i}`, content: 'v' }));
    const r = await post(multipart(parts));
    expect(r.status).toBe(413);
    expect(json(r)).toEqual({ error: 'Too many fields' });
    await expectServerAlive();
  });

  test('a field value too large', async () => {
    const r = await post(multipart([{ name: 'k', content: 'v'.repeat(1025) }]));
    expect(r.status).toBe(413);
    expect(json(r)).toEqual({ error: 'Field too large' });
    await expectServerAlive();
  });

  test('limits at exactly the maximum are fine', async () => {
    const parts = [
      ...[1, 2, 3].map((i) => ({ name: `f${i}`, filename: `${i}.txt`, content: 'x' })),
      ...[1, 2, 3, 4].map((i) => ({ name: `k${i}`, content: 'v'.repeat(1024) })),
    ];
    const r = await post(multipart(parts));
    expect(r.status).toBe(200);
    expect(lastFiles).toHaveLength(3);
  });
});

describe('bad requests → 400 and the server keeps serving', () => {
  test.each([
    ['JSON', 'application/json', '{"a":1}'],
    ['no content type', '', 'hello'],
    ['url-encoded form', 'application/x-www-form-urlencoded', 'a=1'],
    ['multipart/mixed', `multipart/mixed; boundary=${BOUNDARY}`, 'x'],
  ])('not multipart (%s)', async (_name, type, body) => {
    const r = await request(server.port, '/upload', {
      method: 'POST',
      headers: type ? { 'content-type': type } : {},
      body,
    });
    expect(r.status).toBe(400);
    expect(json(r)).toEqual({ error: 'Expected multipart/form-data' });
    await expectServerAlive();
  });

  test('multipart without a boundary', async () => {
    const r = await post('whatever', 'multipart/form-data');
    expect(r.status).toBe(400);
    expect((json(r) as { error: string }).error).toMatch(/^Malformed multipart\/form-data/);
    await expectServerAlive();
  });

  test('a body cut off before the closing boundary', async () => {
    const whole = multipart([{ name: 'f', filename: 'a.txt', content: 'abc'.repeat(100) }]);
    const r = await post(whole.subarray(0, whole.length - 40));
    expect(r.status).toBe(400);
    expect((json(r) as { error: string }).error).toMatch(/^Malformed multipart\/form-data/);
    expect(lastFiles).toEqual([]);
    await expectServerAlive();
  });

  test('a client that disconnects mid-upload does not hurt the next one', async () => {
    await new Promise<void>((resolve) => {
      const req = laneRequest({
        host: '127.0.0.1',
        port: server.port,
        path: '/upload',
        method: 'POST',
        agent: false,
        headers: { 'content-type': MULTIPART_TYPE, 'content-length': 100000 },
      });
      req.on('error', () => resolve());
      req.write(partHead({ name: 'f', filename: 'x.bin' }));
      req.write(Buffer.alloc(1000));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 20);
    });
    await expectServerAlive();
    const r = await post(multipart([{ name: 'f', filename: 'ok.txt', content: 'ok' }]));
    expect(r.status).toBe(200);
  });
});

test('the handler gets req.body = fields as a plain record (no prototype keys)', async () => {
  let seen: unknown;
  const local = await startServer(limits, (app) => {
    app.upload('/u', (_files, req) => {
      seen = req.body;
      return { body: { ok: true } };
    });
  });
  try {
    const r = await request(local.port, '/u', {
      method: 'POST',
      headers: { 'content-type': MULTIPART_TYPE },
      body: multipart([
        { name: '__proto__', content: 'p' },
        { name: 'toString', content: 't' },
      ]),
    });
    expect(r.status).toBe(200);
    expect(Object.getPrototypeOf(seen)).toBe(null);
    expect({ ...(seen as object) }).toEqual({ ['__proto__']: 'p', toString: 't' });
  } finally {
    await local.stop();
  }
});

test('20 concurrent uploads get their own files back (no cross-talk)', async () => {
  const replies = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      post(
        multipart([
          { name: 'who', content: `client ${i}` },
          { name: 'f', filename: `${i}.txt`, content: `payload ${i} `.repeat(i * 100 + 1) },
        ]),
      ),
    ),
  );
  replies.forEach((r, i) => {
    expect(r.status).toBe(200);
    const out = json(r) as { fields: Record<string, string>; files: Array<{ filename: string; size: number }> };
    expect(out.fields).toEqual({ who: `client ${i}` });
    expect(out.files[0].filename).toBe(`${i}.txt`);
    expect(out.files[0].size).toBe(`payload ${i} `.length * (i * 100 + 1));
  });
});

test('after a successful upload the keep-alive connection serves the next request', async () => {
  const agent = laneAgent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<unknown>();
  const send = (method: string, p: string, body?: Buffer) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = laneRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          path: p,
          method,
          agent,
          headers: body ? { 'content-type': MULTIPART_TYPE } : {},
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (data += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
        },
      );
      req.on('socket', (s) => sockets.add(s));
      req.on('error', reject);
      req.end(body);
    });
  try {
    expect((await send('POST', '/upload', multipart([{ name: 'f', filename: 'a.txt', content: 'a' }]))).status).toBe(
      200,
    );
    expect(await send('GET', '/ping')).toEqual({ status: 200, body: '{"pong":true}' });
    expect(sockets.size).toBe(1);
  } finally {
    agent.destroy();
  }
});
