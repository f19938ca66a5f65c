import {
  encodeJson,
  encodeJsonJs,
  encodeJsonWithHeadroom,
  encodeJsonWithHeadroomJs,
  jsonBackend,
  jsonNative,
  MAX_HEADROOM,
  NATIVE_MIN_LATIN1_CHARS,
  NATIVE_MIN_TWO_BYTE_CHARS,
  utf8WithHeadroom,
  utf8WithHeadroomJs,
} from '../../lib/backend/json';
import { getBackends } from '../../lib/diagnostics';
import { deepValue, randomText, randomValue, rngFrom } from './json-corpus';

// The suite runs with the addon and with KROZEN_NO_NATIVE=1 (.ci/run): the backend is asserted so a broken
// build cannot pass silently on the JS twin.
const forcedOff = process.env.KROZEN_NO_NATIVE === '1';

const expected = (value: unknown): Buffer => Buffer.from(JSON.stringify(value) as string);
const withHeadroom = (bytes: Buffer, headroom: number): Buffer => Buffer.concat([Buffer.alloc(headroom), bytes]);

// The native entry points straight, whatever the thresholds say (for short texts too).
function nativeUtf8(text: string, headroom: number, latin1: boolean): Buffer {
  if (jsonNative === null) throw new Error('no addon');
  const out = Buffer.alloc(headroom + jsonNative.utf8Prepare(text, latin1));
  expect(jsonNative.utf8Commit(out, headroom)).toBe(out.length - headroom);
  return out;
}
const isLatin1 = (text: string): boolean => !/[^\x00-\xff]/.test(text);

// Every path that must give the bytes of Buffer.from(text), preceded by `headroom` zero bytes.
function checkText(text: string, headroom: number): void {
  const want = withHeadroom(Buffer.from(text), headroom);
  expect(utf8WithHeadroom(text, headroom).equals(want)).toBe(true);
  expect(utf8WithHeadroomJs(text, headroom).equals(want)).toBe(true);
  if (jsonNative !== null) {
    expect(nativeUtf8(text, headroom, false).equals(want)).toBe(true);
    if (isLatin1(text)) expect(nativeUtf8(text, headroom, true).equals(want)).toBe(true);
    const into = Buffer.alloc(want.length + 3, 0xaa);
    expect(jsonNative.utf8Write(text, into, headroom, isLatin1(text))).toBe(want.length - headroom);
    expect(into.subarray(headroom, want.length).equals(want.subarray(headroom))).toBe(true);
    expect(into.subarray(want.length).equals(Buffer.alloc(3, 0xaa))).toBe(true); // nothing past the text
  }
}

function checkValue(value: unknown, headroom: number): void {
  const want = expected(value);
  expect(encodeJson(value).equals(want)).toBe(true);
  expect(encodeJsonJs(value).equals(want)).toBe(true);
  expect(encodeJsonWithHeadroom(value, headroom).equals(withHeadroom(want, headroom))).toBe(true);
  expect(encodeJsonWithHeadroomJs(value, headroom).equals(withHeadroom(want, headroom))).toBe(true);
  checkText(JSON.stringify(value) as string, headroom);
}

function thrown(fn: () => unknown): { name: string; message: string } {
  try {
    fn();
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error('did not throw');
}

describe('backend', () => {
  test('native with the addon, js when forced off', () => {
    expect(jsonBackend).toBe(forcedOff ? 'js' : 'native');
    expect(getBackends().json).toBe(jsonBackend);
    expect(jsonNative !== null).toBe(!forcedOff);
    expect(NATIVE_MIN_TWO_BYTE_CHARS).toBeLessThanOrEqual(NATIVE_MIN_LATIN1_CHARS);
  });
});

describe('encodeJson equals Buffer.from(JSON.stringify(x))', () => {
  test('fixed cases: toJSON, dropped members, NaN/Infinity, -0, escapes, surrogates', () => {
    const cases: unknown[] = [
      null,
      true,
      false,
      0,
      -0,
      NaN,
      Infinity,
      -Infinity,
      1e21,
      5e-324,
      '',
      'plain',
      '"\\/\b\f\n\r\t\u0000\u001f\u007f',
      '\u2028\u2029',
      'caf\u00e9',
      '\u4e2d\u6587',
      '\ud83d\ude00',
      '\ud800',
      '\udc00',
      'a\ud800b',
      '\udc00\ud800',
      '\ud83d\ud83d\ude00',
      [undefined, () => 1, Symbol('x')],
      { a: undefined, b: () => 1, c: Symbol('x'), d: 1 },
      { toJSON: () => 'via toJSON' },
      { nested: { toJSON: (key: string) => `key:${key}` } },
      new Date(0),
      [new Date(1e12)],
      { [Symbol('hidden')]: 1, visible: 2 },
      Object.create({ inherited: 1 }),
      [[], {}, [[]]],
      { '\ud800key': '\udfffvalue', 'k\u2028': ['\u0085', '\u00ff'] },
      new Uint8Array([1, 2]),
      new Map([[1, 2]]),
      Object.assign(Object.create(null), { x: 1 }),
      new Number(3),
      new String('boxed'),
      new Boolean(false),
    ];
    for (const value of cases) checkValue(value, 0);
    for (const value of cases) checkValue(value, 14);
  });

  test('a seeded corpus of random values', () => {
    const rng = rngFrom(0x5eed);
    for (let k = 0; k < 3000; k++) {
      const value = randomValue(rng, 5);
      if (JSON.stringify(value) === undefined) continue;
      checkValue(value, k % 17);
    }
  });

  test('random texts of every length 0..600 and around the thresholds, Latin-1 and two-byte', () => {
    const rng = rngFrom(42);
    for (let length = 0; length <= 600; length++) {
      checkText(randomText(rng, length), length % 15);
      checkText(randomText(rng, length, true), length % 15);
    }
    for (const edge of [NATIVE_MIN_TWO_BYTE_CHARS, NATIVE_MIN_LATIN1_CHARS]) {
      for (let length = edge - 2; length <= edge + 2; length++) {
        checkText(randomText(rng, length), 0);
        checkText(randomText(rng, length, true), 3);
        checkValue({ text: randomText(rng, length) }, 0);
        checkValue({ text: randomText(rng, length, true) }, 14);
      }
    }
  });

  test('one-byte and two-byte V8 strings with the same content', () => {
    const rng = rngFrom(7);
    for (const length of [100, 5000, 70000]) {
      const latin1 = randomText(rng, length, true);
      // Slicing a two-byte string keeps the two-byte representation though the content is Latin-1.
      const twoByte = ('\u4e2d' + latin1).slice(1);
      expect(twoByte).toBe(latin1);
      checkText(twoByte, 2);
      checkValue([twoByte, latin1], 0);
      // A two-byte string whose only non-Latin-1 unit is last: the regexp scans it all.
      checkText(latin1 + '\u4e2d', 0);
      checkText(latin1 + '\ud83d', 0); // and a lone surrogate there
    }
  });

  test('1–16 MB strings', () => {
    const rng = rngFrom(99);
    const chunk = randomText(rng, 1 << 16);
    const latin1Chunk = randomText(rng, 1 << 16, true);
    checkValue({ big: chunk.repeat(16) }, 0); // 1 Mi units, two-byte with escapes
    checkValue(['x'.repeat(3 << 20)], 10); // 3 Mi ASCII
    checkValue(latin1Chunk.repeat(64), 0); // 4 Mi Latin-1
    const huge = chunk.repeat(256); // 16 Mi units
    expect(encodeJson(huge).equals(expected(huge))).toBe(true);
    expect(utf8WithHeadroom(huge, 14).subarray(14).equals(Buffer.from(huge))).toBe(true);
  });

  test('short texts share a slab: earlier results are never overwritten by later ones', () => {
    const rng = rngFrom(5);
    const kept: Array<[Buffer, string, number]> = [];
    for (let k = 0; k < 2000; k++) {
      const text = randomText(rng, k % 300);
      const headroom = 1 + (k % 14);
      kept.push([utf8WithHeadroomJs(text, headroom), text, headroom]);
      kept.push([encodeJsonWithHeadroom(text, headroom), JSON.stringify(text), headroom]);
    }
    for (const [bytes, text, headroom] of kept) {
      expect(bytes.equals(withHeadroom(Buffer.from(text), headroom))).toBe(true);
    }
  });

  test('deep nesting', () => {
    for (const depth of [1, 100, 2000]) {
      checkValue(deepValue(depth, false), 0);
      checkValue(deepValue(depth, true), 4);
    }
  });

  test('a record list above the thresholds', () => {
    const records = Array.from({ length: 300 }, (_, i) => ({ id: i, name: `user ${i}`, ok: i % 2 === 0, v: i / 7 }));
    checkValue(records, 0);
    checkValue(
      records.map((r) => ({ ...r, name: `\u00fcser \u4e2d ${r.id}` })),
      14,
    );
  });
});

describe('bad input', () => {
  test('values with no JSON text, BigInt and cycles throw TypeError', () => {
    for (const value of [undefined, () => 1, Symbol('s'), { toJSON: () => undefined }]) {
      for (const encode of [encodeJson, encodeJsonJs, (v: unknown) => encodeJsonWithHeadroom(v, 4)]) {
        expect(thrown(() => encode(value))).toEqual({ name: 'TypeError', message: 'Value is not JSON-serializable' });
      }
    }
    // toJSON runs once per encode, as in JSON.stringify (no second stringify on the error path).
    let calls = 0;
    const counted = {
      toJSON: () => {
        calls++;
        return undefined;
      },
    };
    expect(thrown(() => encodeJson(counted)).name).toBe('TypeError');
    expect(calls).toBe(1);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const value of [10n, { n: 1n }, cycle]) {
      const fromStringify = thrown(() => JSON.stringify(value));
      expect(fromStringify.name).toBe('TypeError');
      expect(thrown(() => encodeJson(value))).toEqual(fromStringify);
      expect(thrown(() => encodeJsonWithHeadroom(value, 2))).toEqual(fromStringify);
    }
  });

  test('bad headroom and text', () => {
    for (const fn of [utf8WithHeadroom, utf8WithHeadroomJs]) {
      for (const headroom of [-1, 1.5, NaN, Infinity, MAX_HEADROOM + 1, 2 ** 53]) {
        expect(thrown(() => fn('x', headroom)).name).toBe('RangeError');
      }
      expect(thrown(() => fn('x', '1' as unknown as number)).name).toBe('TypeError');
      expect(thrown(() => fn(12 as unknown as string, 0)).name).toBe('TypeError');
      expect(thrown(() => fn(null as unknown as string, 0)).name).toBe('TypeError');
    }
    expect(thrown(() => encodeJsonWithHeadroom({}, -1)).name).toBe('RangeError');
    expect(utf8WithHeadroom('x', MAX_HEADROOM).length).toBe(MAX_HEADROOM + 1);
  });
});

// Registered only with the addon; the KROZEN_NO_NATIVE=1 run asserts the backend above instead.
const describeNative = forcedOff ? (): void => undefined : describe;
describeNative('native entry points reject bad arguments', () => {
  const n = () => {
    if (jsonNative === null) throw new Error('no addon');
    return jsonNative as unknown as Record<string, (...args: unknown[]) => unknown>;
  };

  test('utf8Prepare', () => {
    for (const text of [undefined, 1, null, {}, Buffer.from('x'), Symbol('s')]) {
      expect(thrown(() => n().utf8Prepare(text))).toEqual({ name: 'TypeError', message: 'text must be a string' });
    }
    expect(thrown(() => n().utf8Prepare('x', 'yes'))).toEqual({
      name: 'TypeError',
      message: 'latin1 must be a boolean',
    });
    expect(n().utf8Prepare('\u00e9\ud83d\ude00\ud800', undefined)).toBe(2 + 4 + 3);
  });

  test('utf8Commit', () => {
    n().utf8Prepare('abc');
    for (const out of [
      undefined,
      'abc',
      [0, 0, 0],
      new Uint16Array(3),
      new DataView(new ArrayBuffer(3)),
      new Int8Array(3),
    ]) {
      expect(thrown(() => n().utf8Commit(out, 0)).name).toBe('TypeError');
    }
    expect(thrown(() => n().utf8Commit(Buffer.alloc(3), '0')).name).toBe('TypeError');
    for (const offset of [-1, 0.5, NaN, Infinity, -Infinity, 4, 2 ** 53, 2 ** 64]) {
      expect(thrown(() => n().utf8Commit(Buffer.alloc(3), offset)).name).toBe('RangeError');
    }
    // Wrong sizes: nothing written, and the prepared text is dropped.
    for (const size of [2, 4, 100]) {
      n().utf8Prepare('abc');
      const out = Buffer.alloc(size, 7);
      expect(thrown(() => n().utf8Commit(out, 0))).toEqual({
        name: 'RangeError',
        message: 'out must have exactly the prepared length after offset',
      });
      expect(out.equals(Buffer.alloc(size, 7))).toBe(true);
      expect(thrown(() => n().utf8Commit(Buffer.alloc(3), 0))).toEqual({
        name: 'RangeError',
        message: 'utf8Commit without a utf8Prepare before it',
      });
    }
    // A commit uses its prepare once.
    n().utf8Prepare('abc');
    const out = Buffer.alloc(5);
    expect(n().utf8Commit(out, 2)).toBe(3);
    expect(out.toString('latin1')).toBe('\0\0abc');
    expect(thrown(() => n().utf8Commit(out, 2)).name).toBe('RangeError');
  });

  test('detached and shared buffers', () => {
    const ab = new ArrayBuffer(8);
    const view = new Uint8Array(ab);
    structuredClone(ab, { transfer: [ab] });
    expect(ab.byteLength).toBe(0);
    n().utf8Prepare('abcdefgh');
    expect(thrown(() => n().utf8Commit(view, 0)).name).toBe('RangeError');
    expect(thrown(() => n().utf8Write('abcdefgh', view, 0)).name).toBe('RangeError');
    n().utf8Prepare('');
    expect(n().utf8Commit(view, 0)).toBe(0); // nothing to write, nothing written
    const shared = new Uint8Array(new SharedArrayBuffer(6));
    expect(n().utf8Write('\u00e9\u00e9\u00e9', shared, 0)).toBe(6);
    expect(Buffer.from(shared).toString()).toBe('\u00e9\u00e9\u00e9');
  });

  test('every kernel gives the bytes of Buffer.from', () => {
    const binding = jsonNative!;
    const kernels = binding.utf8Kernels();
    expect(kernels[kernels.length - 1]).toBe('scalar');
    expect(binding.utf8Kernel()).toBe(kernels[0]);
    const rng = rngFrom(1234);
    const texts: string[] = [];
    for (let length = 0; length <= 300; length++) {
      texts.push(randomText(rng, length), randomText(rng, length, true));
      // BMP only, no surrogates: the table-driven 2- and 3-byte blocks
      texts.push(randomText(rng, length).replace(/[\ud800-\udfff]/g, '\u4e2d'));
      texts.push(randomText(rng, length).replace(/[^\x00-\u07ff]/g, '\u00e9'));
    }
    texts.push(randomText(rng, 200000), '\u4e2d'.repeat(70001), '\u00e9'.repeat(70001), 'a'.repeat(70001) + '\ud800');
    try {
      for (const kernel of kernels) {
        expect(binding._setUtf8Kernel(kernel)).toBe(kernel);
        for (const text of texts) {
          const want = Buffer.from(text);
          if (!nativeUtf8(text, 3, false).subarray(3).equals(want))
            throw new Error(`${kernel}: ${JSON.stringify(text)}`);
          if (isLatin1(text) && !nativeUtf8(text, 0, true).equals(want))
            throw new Error(`${kernel} latin1: ${JSON.stringify(text)}`);
        }
      }
    } finally {
      binding._setUtf8Kernel(kernels[0]);
    }
    expect(thrown(() => binding._setUtf8Kernel('no-such-kernel'))).toEqual({
      name: 'RangeError',
      message: 'kernel not available on this CPU',
    });
    expect(thrown(() => binding._setUtf8Kernel(1 as unknown as string)).name).toBe('TypeError');
  });

  test('utf8Write', () => {
    const out = Buffer.alloc(6, 1);
    expect(thrown(() => n().utf8Write('\u4e2d\u4e2d', out, 1))).toEqual({
      name: 'RangeError',
      message: 'out is too small for the UTF-8 of text',
    });
    expect(out.equals(Buffer.alloc(6, 1))).toBe(true);
    expect(n().utf8Write('\u4e2d\u4e2d', out, 0)).toBe(6);
    expect(thrown(() => n().utf8Write(1, out, 0)).name).toBe('TypeError');
    expect(thrown(() => n().utf8Write('x', null, 0)).name).toBe('TypeError');
    expect(thrown(() => n().utf8Write('x', out, 7)).name).toBe('RangeError');
    expect(thrown(() => n().utf8Write('x', out, 0, 1)).name).toBe('TypeError');
    expect(thrown(() => n().utf8Write('x', out)).name).toBe('TypeError');
  });
});
