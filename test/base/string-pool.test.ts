// The pool of strings long-lived connections share (lib/base/string-pool.ts): equal values come back as the
// first one pooled (its copy), values past the length limit or past the capacity come back as given, and
// nothing else changes. Identity is what the pool is for; Object.is on strings compares values, so the copy
// function's calls say which string was kept.
import { StringPool } from '../../lib/base/string-pool';

test('equal values share the first one pooled; the copy is made once', () => {
  const copies: string[] = [];
  const copy = (v: string): string => {
    copies.push(v);
    return `${v}`;
  };
  const pool = new StringPool(10, 100);
  expect(pool.get('websocket', copy)).toBe('websocket');
  expect(pool.get('web' + 'socket'.slice(0), copy)).toBe('websocket');
  expect(pool.get('Upgrade', copy)).toBe('Upgrade');
  expect(copies).toEqual(['websocket', 'Upgrade']);
  expect(pool.size).toBe(2);
});

test('a value past maxLength is not pooled', () => {
  const pool = new StringPool(10, 8);
  expect(pool.get('123456789')).toBe('123456789');
  expect(pool.size).toBe(0);
  expect(pool.get('12345678')).toBe('12345678');
  expect(pool.size).toBe(1);
});

test('past its capacity the pool adds nothing and still answers what it holds', () => {
  const pool = new StringPool(3, 100);
  for (let i = 0; i < 10; i++) expect(pool.get(`v${i}`)).toBe(`v${i}`);
  expect(pool.size).toBe(3);
  let copied = 0;
  expect(pool.get('v1', (v) => (copied++, v))).toBe('v1'); // pooled: no copy
  expect(pool.get('v9', (v) => (copied++, v))).toBe('v9'); // full: returned as given, no copy
  expect(copied).toBe(0);
});
