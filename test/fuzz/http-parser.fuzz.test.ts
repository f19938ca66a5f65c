// The two head parsers against each other (lib/transport/krozen/parser.ts: the scan in JS;
// parser-native.ts: the scan in the addon): on valid heads and on heads with bytes inserted, replaced or
// removed, both must return the same RequestHead or the very same HeadError. Without the addon the JS
// parser is checked against itself on a second buffer layout (offsets are then still exercised).
import fc from 'fast-check';
import { native } from '../../lib/backend/load';
import type { ParserLimits } from '../../lib/transport/krozen/parser';
import { parseHeadJs, parseHeadNative } from '../../lib/transport/krozen/parser-native';
import { fuzz } from './config';

const other = native !== null ? parseHeadNative : parseHeadJs;

const METHODS = ['GET', 'POST', 'PUT', 'HEAD', 'OPTIONS', 'CONNECT', 'M-SEARCH', 'FROB', 'get', 'G(T'];
const TARGETS = [
  '/',
  '/json',
  '/a?b=1&c=%20',
  '*',
  'http://example.com:8080/p?q',
  'http://h',
  'HTTP://a?x',
  'http://u@h/',
  'a/b',
  '/\xe9',
  '/' + 'x'.repeat(70),
];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'http/1.1', 'HTTP/1.1 ', 'HTTP/1.x'];
const NAMES = [
  'Host',
  'host',
  'Content-Length',
  'Transfer-Encoding',
  'Connection',
  'Upgrade',
  'Expect',
  'Cookie',
  'Set-Cookie',
  'User-Agent',
  'Accept',
  'X-A',
  'x-a',
  'Accept-Encoding',
];
const VALUES = [
  '127.0.0.1:8000',
  '12',
  ' 3 ',
  'chunked',
  'gzip, chunked',
  'close',
  'keep-alive, Upgrade',
  'websocket',
  '100-continue',
  'teapot',
  'a=1',
  '',
  '\t x \t',
  'caf\xe9',
  'text/html,application/xhtml+xml;q=0.9',
];
// Bytes the mutations use: delimiters, whitespace, CTLs, DEL, obs-text.
const SPECIAL = [0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x00, 0x7f, 0x80, 0xff, 0x2f, 0x22, 0x61];

const textFrom = (codes: number[]): string => String.fromCharCode(...codes);
const token = fc
  .array(fc.constantFrom(...'abcXYZ09-_!#$.'.split('')), { minLength: 1, maxLength: 40 })
  .map((a) => a.join(''));
const name = fc.oneof(fc.constantFrom(...NAMES), token);
const value = fc.oneof(
  fc.constantFrom(...VALUES),
  fc.array(fc.integer({ min: 0x20, max: 0xff }), { maxLength: 80 }).map(textFrom),
);
const field = fc.tuple(name, fc.constantFrom(':', ': ', ':\t', ' :'), value).map(([n, sep, v]) => `${n}${sep}${v}\r\n`);
const validHead = fc
  .tuple(
    fc.constantFrom(...METHODS),
    fc.oneof(
      fc.constantFrom(...TARGETS),
      token.map((t) => `/${t}`),
    ),
    fc.constantFrom(...VERSIONS),
    fc.boolean(),
    fc.array(field, { maxLength: 14 }),
  )
  .map(([m, t, v, withHost, fields]) => `${m} ${t} ${v}\r\n${withHost ? 'Host: x\r\n' : ''}${fields.join('')}`);

type Mutation = [kind: number, at: number, byte: number];
const mutation = fc.tuple(
  fc.integer({ min: 0, max: 4 }),
  fc.nat(),
  fc.oneof(fc.constantFrom(...SPECIAL), fc.integer({ min: 0, max: 255 })),
);

// Kinds: 0 insert, 1 replace, 2 delete at any byte; 3 insert at the start of a line, 4 before its CR
// (where obs-fold, whitespace before the colon and empty names are made).
function mutate(text: string, mutations: Mutation[]): string {
  let s = text;
  for (const [kind, at, byte] of mutations) {
    let i = s.length === 0 ? 0 : at % s.length;
    if (kind >= 3) {
      const ends = [...s.matchAll(/\r\n/g)].map((m) => m.index);
      if (ends.length > 0) i = ends[at % ends.length] + (kind === 3 ? 2 : 0);
    }
    const c = String.fromCharCode(byte);
    if (kind === 1) s = s.slice(0, i) + c + s.slice(i + 1);
    else if (kind === 2) s = s.slice(0, i) + s.slice(i + 1);
    else s = s.slice(0, i) + c + s.slice(i);
  }
  return s;
}

const limits = fc.record({ maxUrlLength: fc.constantFrom(8, 64, 8192), maxHeaderCount: fc.constantFrom(2, 5, 100) });

function agree(text: string, lim: ParserLimits, prefix: number): void {
  const js = parseHeadJs(Buffer.from(text, 'latin1'), 0, Buffer.byteLength(text, 'latin1'), lim);
  // The other parser reads the same bytes at an offset inside a larger buffer.
  const buf = Buffer.concat([Buffer.alloc(prefix, 0x41), Buffer.from(text, 'latin1'), Buffer.from('\r\n\r\nX')]);
  const got = other(buf, prefix, prefix + Buffer.byteLength(text, 'latin1'), lim);
  expect(got).toEqual(js);
  if (!('method' in js)) expect(got).toBe(js); // the same HeadError, not one that looks alike
}

describe('JS and native head parsers agree', () => {
  test('valid heads', () => {
    fuzz(
      'http-parser valid heads',
      fc.property(validHead, limits, fc.nat(40), (text, lim, prefix) => {
        agree(text, lim, prefix);
      }),
      400,
    );
  });

  test('mutated heads', () => {
    fuzz(
      'http-parser mutated heads',
      fc.property(
        validHead,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        limits,
        fc.nat(40),
        (text, mutations, lim, prefix) => {
          agree(mutate(text, mutations), lim, prefix);
        },
      ),
      1500,
    );
  });

  test('random bytes', () => {
    fuzz(
      'http-parser random bytes',
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...SPECIAL), fc.integer({ min: 0, max: 255 })), { maxLength: 120 }),
        limits,
        (codes, lim) => {
          agree(`GET / HTTP/1.1\r\n${textFrom(codes)}`, lim, 3);
          agree(textFrom(codes), lim, 0);
        },
      ),
      500,
    );
  });
});
