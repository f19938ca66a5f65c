// The pipeline runs on the transport interface alone: an in-memory TransportRequest + ResponseSink, no socket.
import { PassThrough, Readable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import { createApp, type App } from '../../lib/app';
import { handleRequest } from '../../lib/http/pipeline';
import type {
  BodyReceiver,
  OutgoingHeaders,
  RawRequest,
  ResponseSink,
  TransportRequest,
} from '../../lib/transport/types';

interface Captured {
  status: number;
  headers: OutgoingHeaders;
  body: string | Uint8Array | null;
  streamed: Readable | null;
}

class MemoryExchange implements TransportRequest, ResponseSink {
  readonly httpVersion = '1.1';
  readonly remoteAddress = '10.0.0.7';
  readonly hasBody: boolean;
  headersSent = false;
  destroyed = false;
  result: Captured | null = null;
  private resolve!: (c: Captured) => void;
  readonly done = new Promise<Captured>((r) => (this.resolve = r));

  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: IncomingHttpHeaders = {},
    private readonly body: Buffer[] = [],
  ) {
    this.hasBody = body.length > 0;
  }

  readBody(receiver: BodyReceiver): void {
    // Delivered in a later tick, as a socket would.
    setImmediate(() => {
      for (const chunk of this.body) receiver.data(chunk);
      receiver.end();
    });
  }

  bodyStream(): RawRequest {
    return Object.assign(Readable.from(this.body), { headers: this.headers, method: this.method, url: this.url });
  }

  end(status: number, headers: OutgoingHeaders, body: string | Uint8Array | null): void {
    expect(this.headersSent).toBe(false);
    this.headersSent = true;
    this.resolve({ status, headers, body, streamed: null });
  }

  stream(status: number, headers: OutgoingHeaders, body: Readable): void {
    this.headersSent = true;
    this.resolve({ status, headers, body: null, streamed: body });
  }

  destroy(): void {
    this.destroyed = true;
  }
}

function run(app: App, ex: MemoryExchange): Promise<Captured> {
  handleRequest(app, ex, ex);
  return ex.done;
}

test('a JSON response is handed over in one end() call with content-type and content-length', async () => {
  const app = createApp({ port: 0 });
  app.get('/json', (req) => ({ body: { hello: 'world', ip: req.remoteAddress, q: req.query.x } }));
  const got = await run(app, new MemoryExchange('GET', '/json?x=1'));
  const text = '{"hello":"world","ip":"10.0.0.7","q":"1"}';
  expect(got.status).toBe(200);
  expect(got.body).toBe(text);
  expect(got.headers['content-type']).toBe('application/json');
  expect(got.headers['content-length']).toBe(Buffer.byteLength(text));
});

test('HEAD gets the headers GET would have and a null body', async () => {
  const app = createApp({ port: 0 });
  app.get('/json', () => ({ body: { a: 1 } }));
  const got = await run(app, new MemoryExchange('HEAD', '/json'));
  expect(got.status).toBe(200);
  expect(got.body).toBeNull();
  expect(got.headers['content-length']).toBe(7);
});

test('a body is read through readBody() and parsed by content type', async () => {
  const app = createApp({ port: 0 });
  app.post('/echo', (req) => ({ body: req.body }));
  const ex = new MemoryExchange('POST', '/echo', { 'content-type': 'application/json', 'content-length': '13' }, [
    Buffer.from('{"a":'),
    Buffer.from('[1,2,3]}'),
  ]);
  const got = await run(app, ex);
  expect(got.status).toBe(200);
  expect(got.body).toBe('{"a":[1,2,3]}');
});

test('a body over maxBodySize is a 413 that asks to close the connection', async () => {
  const app = createApp({ port: 0, maxBodySize: 4 });
  app.post('/echo', (req) => ({ body: req.body }));
  const ex = new MemoryExchange('POST', '/echo', { 'transfer-encoding': 'chunked' }, [
    Buffer.from('123'),
    Buffer.from('456'),
  ]);
  const got = await run(app, ex);
  expect(got.status).toBe(413);
  expect(got.headers.connection).toBe('close');
});

test('an aborted body is a 400', async () => {
  const app = createApp({ port: 0 });
  app.post('/echo', (req) => ({ body: req.body }));
  const ex = new MemoryExchange('POST', '/echo', { 'content-length': '10' }, [Buffer.from('x')]);
  ex.readBody = (receiver) => setImmediate(() => receiver.abort('Request aborted'));
  const got = await run(app, ex);
  expect(got.status).toBe(400);
  expect(JSON.parse(got.body as string)).toEqual({ error: 'Request aborted' });
});

test('a Readable body goes to stream(); on HEAD it is destroyed and end() gets null', async () => {
  const app = createApp({ port: 0 });
  const made: PassThrough[] = [];
  app.get('/stream', () => {
    const s = new PassThrough();
    made.push(s);
    return { body: s };
  });
  const got = await run(app, new MemoryExchange('GET', '/stream'));
  expect(got.streamed).toBe(made[0]);
  expect(got.headers['content-type']).toBe('application/octet-stream');
  const head = await run(app, new MemoryExchange('HEAD', '/stream'));
  expect(head.streamed).toBeNull();
  expect(head.body).toBeNull();
  expect(made[1].destroyed).toBe(true);
});

test('a rawBody route reads the body as a stream from bodyStream()', async () => {
  const app = createApp({ port: 0 });
  app.post(
    '/raw',
    async (req) => {
      const chunks: Buffer[] = [];
      for await (const c of req.raw) chunks.push(c as Buffer);
      return { body: { got: Buffer.concat(chunks).toString(), type: req.raw.headers['content-type'] } };
    },
    { rawBody: true },
  );
  const ex = new MemoryExchange('POST', '/raw', { 'content-type': 'text/plain', 'content-length': '5' }, [
    Buffer.from('hello'),
  ]);
  const got = await run(app, ex);
  expect(JSON.parse(got.body as string)).toEqual({ got: 'hello', type: 'text/plain' });
});
