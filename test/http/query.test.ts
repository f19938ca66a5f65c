// Query and path decoding (unit level; the wire tests in body.test.ts cover the 400s end to end).
import { parseQuery, decodePath, decodeComponent } from '../../lib/http/query';
import { HttpError } from '../../lib/http/http-error';

test('pairs, + as space, %XX, a repeated key becomes an array in order, keys without values', () => {
  expect({ ...parseQuery('a=1&b=two+words&a=3&c&d=&e=%26%3D') }).toEqual({
    a: ['1', '3'],
    b: 'two words',
    c: '',
    d: '',
    e: '&=',
  });
});

test('empty pieces are skipped', () => {
  expect({ ...parseQuery('') }).toEqual({});
  expect({ ...parseQuery('&&a=1&&') }).toEqual({ a: '1' });
  expect({ ...parseQuery('=v') }).toEqual({ '': 'v' });
});

test('a key named __proto__ is an ordinary key, not a prototype change', () => {
  const q = parseQuery('__proto__=x&constructor=y');
  expect(Object.getPrototypeOf(q)).toBeNull();
  expect(q['__proto__']).toBe('x');
  expect(q.constructor).toBe('y');
});

test('malformed encoding throws a 400 HttpError', () => {
  for (const bad of ['%', '%4', '%zz', '%E0%A4%A', '%FF']) {
    let caught: unknown;
    try {
      decodeComponent(bad);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HttpError);
    expect((caught as HttpError).status).toBe(400);
  }
});

test('paths: %XX decoded, + kept, malformed → 400', () => {
  expect(decodePath('/a%20b+c/%C3%A9')).toBe('/a b+c/é');
  expect(decodePath('/plain')).toBe('/plain');
  expect(() => decodePath('/x%G0')).toThrow('Malformed percent-encoding in path');
});
