// Long string bodies (issue 19, item 9): a 1 MiB string answer blocked the event loop for ~55 ms where a
// Buffer took ~1, because each transport handed the string to a socket write that re-encodes it (and the
// length took another pass). Now the pipeline turns a long text into bytes once, through the backend's
// transcoder (native, or JS with KROZEN_NO_NATIVE=1): checked here by what reaches the transport, and on the
// wire byte for byte (two-byte text, a lone surrogate) on both transports. Timing figures are in the report.
import * as http from 'node:http';
import type { OutgoingHeaders, ResponseSink } from '../../lib/transport/types';
import type { Settings } from '../../lib/settings/index';
import { sendResponse, STRING_BODY_MAX_CHARS } from '../../lib/http/send';
import { startApp, type Running } from '../helpers/server';
import { laneRequest } from '../helpers/tls-lane';

const TRANSPORTS = ['node', 'krozen'] as const;
const MiB = 1024 * 1024;

const BODIES: Record<string, string> = {
  ascii: 'a'.repeat(MiB),
  latin1: 'é'.repeat(MiB / 2),
  euro: '€'.repeat(MiB / 3),
  mixed: `${'a'.repeat(MiB - 1)}☃`,
  surrogate: `${'b'.repeat(STRING_BODY_MAX_CHARS)}\ud800 lone`,
  short: 'short ☃ text',
};

/** A sink that records what it was handed. */
function recordingSink(): ResponseSink & {
  got?: { status: number; headers: OutgoingHeaders; body: string | Uint8Array | null };
} {
  const sink = {
    headersSent: false,
    got: undefined as undefined | { status: number; headers: OutgoingHeaders; body: string | Uint8Array | null },
    end(status: number, headers: OutgoingHeaders, body: string | Uint8Array | null) {
      sink.got = { status, headers, body };
    },
    stream() {
      throw new Error('not streamed');
    },
    destroy() {},
  };
  return sink;
}

describe('what reaches the transport', () => {
  test.each(['ascii', 'euro', 'mixed', 'surrogate'])(
    'a long %s text goes as its UTF-8 bytes, with their length',
    (name) => {
      const text = BODIES[name];
      const sink = recordingSink();
      sendResponse(sink, 200, { 'content-type': 'text/plain; charset=utf-8' }, text, false);
      const body = sink.got?.body;
      expect(body).toBeInstanceOf(Uint8Array);
      expect(Buffer.compare(Buffer.from(body as Uint8Array), Buffer.from(text))).toBe(0);
      expect(sink.got?.headers['content-length']).toBe(Buffer.byteLength(text));
    },
  );

  test('a short text still goes as a string (one write with its head)', () => {
    const sink = recordingSink();
    sendResponse(sink, 200, { 'content-type': 'text/plain' }, BODIES.short, false);
    expect(sink.got?.body).toBe(BODIES.short);
    expect(sink.got?.headers['content-length']).toBe(Buffer.byteLength(BODIES.short));
  });
});

describe.each(TRANSPORTS)('transport %s: long texts on the wire', (transport) => {
  let r: Running;
  beforeAll(async () => {
    r = await startApp(
      (app) => {
        for (const [name, text] of Object.entries(BODIES))
          app.get(`/${name}`, () => ({ body: text, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
      },
      { transport: transport as Settings['transport'], compression: false },
    );
  });
  afterAll(() => r.stop());

  test.each(Object.keys(BODIES))('%s: the bytes of Buffer.from(text), with their length', async (name) => {
    const { headers, body } = await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) => {
        laneRequest({ host: '127.0.0.1', port: r.port, path: `/${name}`, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        })
          .on('error', reject)
          .end();
      },
    );
    const expected = Buffer.from(BODIES[name]);
    expect(Number(headers['content-length'])).toBe(expected.length);
    expect(Buffer.compare(body, expected)).toBe(0);
  });
});
