// The krozen transport's head parsers (JS scan and addon scan, one suite for both) and chunked decoder,
// byte by byte against RFC 9112; then the two parsers against each other on generated heads.
import { ChunkedDecoder, MAX_CHUNK_LINE } from '../../lib/transport/krozen/chunked';
import { HeadError, type ParserLimits, type RequestHead } from '../../lib/transport/krozen/parser';
import { parseHeadJs, parseHeadNative } from '../../lib/transport/krozen/parser-native';
import { NATIVE_MIN_HEAD, httpParser, parseRequestHead } from '../../lib/transport/krozen/head-parse';
import { native } from '../../lib/backend/load';

const LIMITS = { maxUrlLength: 64, maxHeaderCount: 5 };

type BufferParser = (buf: Buffer, start: number, end: number, limits: ParserLimits) => RequestHead | HeadError;
// The native parser only with the addon; the KROZEN_NO_NATIVE=1 run checks that the JS one is chosen.
const PARSERS: [string, BufferParser][] = [['js', parseHeadJs]];
if (native !== null) PARSERS.push(['native', parseHeadNative]);

/** `text` as latin1 bytes inside a larger buffer (bytes before and after it), parsed from its offsets. */
function parseText(parse: BufferParser, text: string, limits: ParserLimits = LIMITS): RequestHead | HeadError {
  const bytes = Buffer.from(`junk\r\n${text}\r\n\r\nGET`, 'latin1');
  return parse(bytes, 6, 6 + Buffer.byteLength(text, 'latin1'), limits);
}

test('the parser in use: native only with the addon', () => {
  if (native === null) expect(httpParser).toBe('js');
  else if (process.env.KROZEN_HTTP_PARSER === 'js' || process.env.KROZEN_HTTP_PARSER === 'native') {
    expect(httpParser).toBe(process.env.KROZEN_HTTP_PARSER);
  } else {
    expect(httpParser).toBe('auto');
  }
});

// The transport's choice (by head size under 'auto'): heads on both sides of NATIVE_MIN_HEAD.
const chosen = (buf: Buffer, start: number, end: number, limits: ParserLimits): RequestHead | HeadError =>
  parseRequestHead(buf, start, end, limits);
PARSERS.push(['in use', chosen]);

test('heads on both sides of NATIVE_MIN_HEAD parse alike', () => {
  for (let size = NATIVE_MIN_HEAD - 3; size <= NATIVE_MIN_HEAD + 3; size++) {
    const text = `GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(size - 34)}\r\n`;
    expect(text.length).toBe(size);
    const want = parseText(parseHeadJs, text);
    expect(parseText(chosen, text)).toEqual(want);
    expect((want as RequestHead).headers['x-pad']).toHaveLength(size - 34);
  }
});

test.each(PARSERS)('%s: a huge maxHeaderCount costs nothing more; the limit still holds exactly', (_name, parse) => {
  const fields = 'a: 1\r\n'.repeat(6);
  const text = `GET / HTTP/1.1\r\nHost: x\r\n${fields}`;
  const big = parseText(parse, text, { maxUrlLength: 64, maxHeaderCount: 2 ** 31 });
  expect((big as RequestHead).headers.a).toBe('1, 1, 1, 1, 1, 1');
  expect(parseText(parse, text, { maxUrlLength: 64, maxHeaderCount: 7 })).not.toBeInstanceOf(HeadError);
  expect((parseText(parse, text, { maxUrlLength: 64, maxHeaderCount: 6 }) as HeadError).status).toBe(431);
  // The tightest head: every field line 4 bytes.
  const tight = `GET / HTTP/1.0\r\n${'a:\r\n'.repeat(9)}`;
  expect((parseText(parse, tight, { maxUrlLength: 64, maxHeaderCount: 9 }) as RequestHead).headers.a).toBe(
    ', , , , , , , , ',
  );
  expect((parseText(parse, tight, { maxUrlLength: 64, maxHeaderCount: 8 }) as HeadError).status).toBe(431);
});

describe.each(PARSERS)('%s head parser', (_parserName, parse) => {
  function head(text: string): RequestHead {
    const r = parseText(parse, text);
    if (r instanceof HeadError) throw new Error(`refused ${r.status}: ${r.message}`);
    return r;
  }

  function status(text: string): number {
    const r = parseText(parse, text);
    return r instanceof HeadError ? r.status : 200;
  }

  describe('request line (RFC 9112 §3)', () => {
    test('method, target and version', () => {
      const h = head('GET /a?b=1 HTTP/1.1\r\nHost: x\r\n');
      expect([h.method, h.url, h.minor, h.keepAlive, h.bodyLength]).toEqual(['GET', '/a?b=1', 1, true, 0]);
      expect(head('PROPFIND / HTTP/1.0\r\n').method).toBe('PROPFIND');
    });

    test.each([
      ['lower-case version', 'GET / http/1.1\r\nHost: x\r\n', 400],
      ['two spaces', 'GET  / HTTP/1.1\r\nHost: x\r\n', 400],
      ['space after version', 'GET / HTTP/1.1 \r\nHost: x\r\n', 400],
      ['leading space', ' GET / HTTP/1.1\r\nHost: x\r\n', 400],
      ['method with a delimiter', 'GE(T / HTTP/1.1\r\nHost: x\r\n', 400],
      ['tab in the target', 'GET /a\tb HTTP/1.1\r\nHost: x\r\n', 400],
      ['non-ASCII target byte', 'GET /\xe9 HTTP/1.1\r\nHost: x\r\n', 400],
      ['missing target', 'GET HTTP/1.1\r\nHost: x\r\n', 400],
      ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: x\r\n', 505],
      ['HTTP/1.2', 'GET / HTTP/1.2\r\nHost: x\r\n', 505],
      ['garbage version', 'GET / HTTP/1.x\r\nHost: x\r\n', 400],
      ['target over the limit', `GET /${'a'.repeat(64)} HTTP/1.1\r\nHost: x\r\n`, 414],
      ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n', 400],
      ['asterisk with GET', 'GET * HTTP/1.1\r\nHost: x\r\n', 400],
      ['relative target', 'GET a/b HTTP/1.1\r\nHost: x\r\n', 400],
      ['a method node:http does not know', 'FROB / HTTP/1.1\r\nHost: x\r\n', 501],
      ['absolute-form without Host on 1.1', 'GET http://a/ HTTP/1.1\r\n', 400],
    ])('%s → %d', (_name, text, want) => {
      expect(status(text)).toBe(want);
    });

    test('absolute-form: the pipeline sees the path; its authority replaces Host (§3.2.2)', () => {
      const h = head('GET http://example.com:8080/p/q?x=1 HTTP/1.1\r\nHost: other\r\n');
      expect(h.url).toBe('/p/q?x=1');
      expect(h.headers.host).toBe('example.com:8080');
      expect(head('GET http://example.com HTTP/1.1\r\nHost: x\r\n').url).toBe('/');
      expect(head('GET http://example.com?a HTTP/1.1\r\nHost: x\r\n').url).toBe('/?a');
      expect(status('GET http://user@example.com/ HTTP/1.1\r\nHost: x\r\n')).toBe(400);
    });

    test('asterisk-form for OPTIONS', () => {
      expect(head('OPTIONS * HTTP/1.1\r\nHost: x\r\n').url).toBe('*');
    });
  });

  describe('field lines (RFC 9112 §5)', () => {
    test('names are lower-cased, values trimmed, repeats joined as node:http joins them', () => {
      const h = head('GET / HTTP/1.1\r\nHost: x\r\nX-A:  one \t\r\nx-a: two\r\nCookie: a=1\r\ncookie: b=2\r\n');
      expect(h.headers['x-a']).toBe('one, two');
      expect(h.headers.cookie).toBe('a=1; b=2');
      expect(head('GET / HTTP/1.1\r\nHost: x\r\nContent-Type: text/a\r\n').headers['content-type']).toBe('text/a');
      expect(head('GET / HTTP/1.1\r\nHost: x\r\nSet-Cookie: a\r\nSet-Cookie: b\r\n').headers['set-cookie']).toEqual([
        'a',
        'b',
      ]);
      expect(head('GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: a\r\nUser-Agent: b\r\n').headers['user-agent']).toBe('a');
      expect(head('GET / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\n').headers['x-empty']).toBe('');
    });

    test.each([
      ['whitespace before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n', 400],
      ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n', 400],
      ['no colon', 'GET / HTTP/1.1\r\nHost: x\r\nX-A\r\n', 400],
      ['empty name', 'GET / HTTP/1.1\r\nHost: x\r\n: v\r\n', 400],
      ['NUL in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n', 400],
      ['lone CR in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n', 400],
      ['lone LF in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\nb\r\n', 400],
      ['DEL in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n', 400],
      ['NUL in a name', 'GET / HTTP/1.1\r\nHost: x\r\nX\0A: b\r\n', 400],
      ['too many fields', 'GET / HTTP/1.1\r\nHost: x\r\na: 1\r\nb: 1\r\nc: 1\r\nd: 1\r\ne: 1\r\n', 431],
      ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\nX-A: 1\r\n', 400],
      ['two Host fields', 'GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n', 400],
      ['unknown expectation', 'GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n', 417],
    ])('%s → %d', (_name, text, want) => {
      expect(status(text)).toBe(want);
    });

    test('names that are Object.prototype members are fields like any other (prototype-free map)', () => {
      const text =
        'GET / HTTP/1.1\r\nHost: x\r\nconstructor: y\r\n__proto__: x\r\nhasOwnProperty: z\r\ntoString: t\r\n' +
        'valueOf: v\r\n__proto__: x2\r\n';
      const h = parseText(parse, text, { maxUrlLength: 64, maxHeaderCount: 10 }) as RequestHead;
      expect(h.headers.constructor).toBe('y');
      expect(Object.getOwnPropertyDescriptor(h.headers, '__proto__')?.value).toBe('x, x2');
      expect(h.headers.hasownproperty).toBe('z');
      expect(h.headers.tostring).toBe('t');
      expect(h.headers.valueof).toBe('v');
      expect(Object.keys(h.headers)).toEqual([
        'host',
        'constructor',
        '__proto__',
        'hasownproperty',
        'tostring',
        'valueof',
      ]);
      // Nothing inherited: a name that was never sent is undefined, whatever Object.prototype has.
      expect((h.headers as Record<string, unknown>).hasOwnProperty).toBeUndefined();
      expect((h.headers as Record<string, unknown>).toString).toBeUndefined();
      expect(({} as Record<string, unknown>).__proto__).toBe(Object.prototype);
    });

    test('obs-text (bytes above 0x7f) is allowed in values; HTTP/1.0 needs no Host', () => {
      expect(head('GET / HTTP/1.1\r\nHost: x\r\nX-A: caf\xe9\r\n').headers['x-a']).toBe('caf\xe9');
      expect(head('GET / HTTP/1.0\r\n').minor).toBe(0);
    });
  });

  describe('message framing (RFC 9112 §6)', () => {
    test.each([
      ['Content-Length and Transfer-Encoding', 'Content-Length: 3\r\nTransfer-Encoding: chunked\r\n', 400],
      ['two differing Content-Lengths', 'Content-Length: 3\r\nContent-Length: 4\r\n', 400],
      ['two equal Content-Lengths (stricter than required)', 'Content-Length: 3\r\nContent-Length: 3\r\n', 400],
      ['a list in Content-Length', 'Content-Length: 3, 3\r\n', 400],
      ['a signed Content-Length', 'Content-Length: +3\r\n', 400],
      ['a hex Content-Length', 'Content-Length: 0x3\r\n', 400],
      ['an overflowing Content-Length', 'Content-Length: 99999999999999999999\r\n', 400],
      ['chunked not last', 'Transfer-Encoding: chunked, gzip\r\n', 400],
      ['chunked twice', 'Transfer-Encoding: chunked, chunked\r\n', 400],
      ['an unknown coding before chunked', 'Transfer-Encoding: gzip, chunked\r\n', 501],
      ['identity alone', 'Transfer-Encoding: identity\r\n', 400],
    ])('%s → %d', (_name, fields, want) => {
      expect(status(`POST / HTTP/1.1\r\nHost: x\r\n${fields}`)).toBe(want);
    });

    test('body length: Content-Length, chunked (-1), none', () => {
      expect(head('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n').bodyLength).toBe(12);
      expect(head('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n').bodyLength).toBe(-1);
      expect(head('POST / HTTP/1.1\r\nHost: x\r\n').bodyLength).toBe(0);
    });

    test('keep-alive: 1.1 by default, 1.0 only when asked; TE on 1.0 closes after the answer (§6.1)', () => {
      expect(head('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n').keepAlive).toBe(false);
      expect(head('GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, Close\r\n').keepAlive).toBe(false);
      expect(head('GET / HTTP/1.0\r\n').keepAlive).toBe(false);
      expect(head('GET / HTTP/1.0\r\nConnection: keep-alive\r\n').keepAlive).toBe(true);
      const te10 = head('POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n');
      expect(te10.bodyLength).toBe(-1);
      expect(te10.keepAlive).toBe(false);
    });

    test('upgrade and 100-continue', () => {
      expect(
        head('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n').upgrade,
      ).toBe(true);
      expect(head('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n').upgrade).toBe(false);
      expect(head('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: 100-Continue\r\n').expectContinue).toBe(
        true,
      );
      expect(head('POST / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n').expectContinue).toBe(false);
    });
  });

  // Where the krozen transport read on and node:http (llhttp) closed (issue 19): refused as llhttp refuses.
  describe('refused as llhttp refuses them', () => {
    const TE = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ';
    test.each([
      ['a tab after chunked', `${TE}chunked\t\r\n`],
      ['a space and a tab after chunked', `${TE}chunked \t\r\n`],
      ['a tab after chunked, another field after it', `${TE}chunked\t\r\nX-A: 1\r\n`],
      ['an empty list element after chunked', `${TE}chunked,\r\n`],
      ['an empty list element and a space after chunked', `${TE}Chunked, \r\n`],
      ['a tab and an empty list element after chunked', `${TE}chunked\t,\r\n`],
      ['a second Transfer-Encoding field that is an empty list element', `${TE}chunked\r\nTransfer-Encoding: ,\r\n`],
      ['"+" in an absolute-form scheme', 'GET http+s://x/a HTTP/1.1\r\nHost: x\r\n'],
      ['"-" in an absolute-form scheme', 'GET a-b://x/a HTTP/1.1\r\nHost: x\r\n'],
      ['"." in an absolute-form scheme', 'GET a.b://x/a HTTP/1.1\r\nHost: x\r\n'],
      ['a digit in an absolute-form scheme', 'GET h2://x/a HTTP/1.1\r\nHost: x\r\n'],
      [
        'a WebSocket upgrade with a Content-Length body',
        'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 5\r\n',
      ],
      [
        'a WebSocket upgrade with a chunked body',
        'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\nTransfer-Encoding: chunked\r\n',
      ],
    ])('%s → 400', (_name, text) => {
      expect(status(text)).toBe(400);
    });

    test('what llhttp accepts still parses: leading or trailing spaces, empty elements before chunked', () => {
      expect(head(`${TE}chunked \r\n`).bodyLength).toBe(-1);
      expect(head('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\r\n').bodyLength).toBe(-1);
      expect(head(`${TE}, chunked\r\n`).bodyLength).toBe(-1);
      expect(head(`${TE},, chunked\r\n`).bodyLength).toBe(-1);
      expect(head(`${TE}\r\nTransfer-Encoding: chunked\r\n`).bodyLength).toBe(-1);
      expect(head('GET HTTP://x/a HTTP/1.1\r\nHost: y\r\n').url).toBe('/a');
      // A WebSocket upgrade with an empty body is an upgrade; another protocol's upgrade with a body is
      // served as the plain request it also is (the connection hands off only bodiless heads).
      const ws = head(
        'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 0\r\n',
      );
      expect([ws.upgrade, ws.bodyLength]).toEqual([true, 0]);
      const h2c = head('POST / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 2\r\n');
      expect([h2c.upgrade, h2c.bodyLength]).toEqual([true, 2]);
    });
  });
});

describe('chunked decoder (RFC 9112 §7.1)', () => {
  const limits = { maxHeaderSize: 256, maxHeaderCount: 3 };

  function decode(wire: string, split = 0): { body: string; rest: number; error: number | null } {
    const bytes = Buffer.from(wire, 'latin1');
    const d = new ChunkedDecoder(limits);
    const parts: Buffer[] = [];
    let at = 0;
    const cuts =
      split > 0
        ? Array.from({ length: Math.ceil(bytes.length / split) }, (_, i) => Math.min(bytes.length, (i + 1) * split))
        : [bytes.length];
    for (const cut of cuts) {
      const next = d.decode(bytes, at, cut, (c) => parts.push(Buffer.from(c)));
      if (next === -1) return { body: '', rest: -1, error: d.error!.status };
      at = next;
      if (d.done) break;
    }
    return { body: Buffer.concat(parts).toString('latin1'), rest: bytes.length - at, error: d.done ? null : 0 };
  }

  test('sizes, extensions and trailers, whole or one byte at a time', () => {
    const wire = '5;name=value;flag\r\nhello\r\nA;q="a \\"b\\""\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nNEXT';
    for (const split of [0, 1, 2, 7]) {
      expect(decode(wire, split)).toEqual({ body: 'hello0123456789', rest: 4, error: null });
    }
  });

  test.each([
    ['non-hex size', 'g\r\n\r\n'],
    ['signed size', '-1\r\nx\r\n'],
    ['size with a space', '5 \r\nhello\r\n0\r\n\r\n'],
    ['size overflow', `${'f'.repeat(14)}\r\n`],
    ['no CRLF after data', '2\r\nabc\r\n0\r\n\r\n'],
    ['bare LF after the size', '2\nab\r\n0\r\n\r\n'],
    ['control byte in an extension', '2;a\x01\r\nab\r\n0\r\n\r\n'],
    ['a non-token extension value', '2;e=/1\r\nab\r\n0\r\n\r\n'],
    ['an empty extension name', '2;=1\r\nab\r\n0\r\n\r\n'],
    ['whitespace in an extension', '2; a=1\r\nab\r\n0\r\n\r\n'],
    ['an unterminated quoted value', '2;a="x\r\nab\r\n0\r\n\r\n'],
    ['obs-fold trailer', '0\r\nX-T: 1\r\n 2\r\n\r\n'],
    ['malformed trailer', '0\r\nno colon\r\n\r\n'],
  ])('%s → 400', (_name, wire) => {
    expect(decode(wire).error).toBe(400);
  });

  test('Content-Length or Transfer-Encoding as a trailer → 400 (as llhttp); other trailers are dropped', () => {
    expect(decode('1\r\nx\r\n0\r\nContent-Length: 5\r\n\r\n').error).toBe(400);
    expect(decode('1\r\nx\r\n0\r\ncontent-length: 0\r\n\r\n', 1).error).toBe(400);
    expect(decode('1\r\nx\r\n0\r\nTransfer-Encoding: gzip\r\n\r\n').error).toBe(400);
    expect(decode('1\r\nx\r\n0\r\nConnection: close\r\nContent-Length-X: 1\r\n\r\n')).toEqual({
      body: 'x',
      rest: 0,
      error: null,
    });
  });

  test('bounded: long extensions → 400, trailers past the limits → 431', () => {
    expect(decode(`1;${'a'.repeat(MAX_CHUNK_LINE)}\r\nx\r\n0\r\n\r\n`).error).toBe(400);
    expect(decode(`0\r\nX-T: ${'a'.repeat(300)}\r\n\r\n`).error).toBe(431);
    expect(decode('0\r\na: 1\r\nb: 1\r\nc: 1\r\nd: 1\r\n\r\n').error).toBe(431);
  });

  test('the extensions of a body: 16 KiB plus as many as its data bytes, then 413', () => {
    const ext = `;e=${'a'.repeat(1017)}`; // 1020 extension bytes on each chunk line
    const chunks = (n: number, data: string): string => `${data.length.toString(16)}${ext}\r\n${data}\r\n`.repeat(n);
    // 16 lines of 1-byte chunks: 16320 bytes, under 16384 + 16.
    expect(decode(`${chunks(16, 'x')}0\r\n\r\n`)).toEqual({ body: 'x'.repeat(16), rest: 0, error: null });
    expect(decode(`${chunks(17, 'x')}0\r\n\r\n`).error).toBe(413);
    expect(decode(`${chunks(17, 'x')}0\r\n\r\n`, 7).error).toBe(413);
    // Chunks carrying at least as much data as extension are never refused for it.
    expect(decode(`${chunks(40, 'y'.repeat(1020))}0\r\n\r\n`).body).toHaveLength(40 * 1020);
  });
});
