// The Sec-WebSocket-Accept value (RFC 6455 §4.2.2): the addon's SHA-1 and base64 (native/ws_accept.cc) give
// what Node's crypto gives, for clients' keys and for every input length across SHA-1's block boundaries;
// without the addon (KROZEN_NO_NATIVE=1) crypto is what runs.
import { randomBytes } from 'node:crypto';
import { native } from '../../lib/backend/load';
import { acceptKey, acceptKeyJs } from '../../lib/ws/handshake';
import { thrownBy } from '../helpers/thrown';

const withAddon = process.env.KROZEN_NO_NATIVE !== '1';

test('the RFC 6455 example (§1.3)', () => {
  expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  expect(acceptKeyJs('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test(`runs on the ${withAddon ? 'addon' : 'JS path'}`, () => {
  expect(typeof native?.wsAcceptKey === 'function').toBe(withAddon);
});

test('2,000 random client keys: the same value as crypto', () => {
  for (let i = 0; i < 2000; i++) {
    const key = randomBytes(16).toString('base64');
    expect(acceptKey(key)).toBe(acceptKeyJs(key));
  }
});

test('every key length from 0 to 256 (SHA-1 tails of one and two blocks, several whole blocks)', () => {
  if (!withAddon) return void expect(native?.wsAcceptKey).toBeUndefined();
  const wsAcceptKey = native?.wsAcceptKey as (key: string) => string;
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_.~ ';
  for (let length = 0; length <= 256; length++) {
    let key = '';
    for (let i = 0; i < length; i++) key += chars[(i * 7 + length) % chars.length];
    expect(wsAcceptKey(key)).toBe(acceptKeyJs(key));
  }
});

test('the addon refuses what is not a key', () => {
  if (!withAddon) return void expect(native?.wsAcceptKey).toBeUndefined();
  const wsAcceptKey = native?.wsAcceptKey as (key: unknown) => string;
  const thrown = (arg: unknown): string => thrownBy(wsAcceptKey, arg);
  expect(thrown(123)).toBe('TypeError: key must be a string of at most 256 Latin-1 characters');
  expect(thrown('x'.repeat(257))).toBe('RangeError: key must be a string of at most 256 Latin-1 characters');
  expect(thrown('x'.repeat(256))).toBe('nothing thrown');
});
