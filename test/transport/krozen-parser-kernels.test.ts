// The addon's head scan (native/http_head_kernels.cc): every SIMD kernel this CPU has gives exactly the
// scalar kernel's answer (count or code, and every offset), on heads whose delimiters and bad bytes sit
// around the 16- and 32-byte block edges; and the entry point answers bad ranges with a code.
import { native } from '../../lib/backend/load';
import { httpHeadNative, type HttpHeadNative } from '../../lib/transport/krozen/parser-native';
import { prng } from '../backend/mask-helpers';

test('the scan is in the addon exactly when the addon is loaded', () => {
  expect(httpHeadNative !== null).toBe(native !== null);
  if (httpHeadNative !== null) expect(httpHeadNative.httpHeadKernels()).toContain('scalar');
});

// Registered only with the addon; the KROZEN_NO_NATIVE=1 run asserts the test above instead.
const describeNative = native === null ? (): void => undefined : describe;

describeNative('native head scan kernels', () => {
  const n = (): HttpHeadNative => {
    if (httpHeadNative === null) throw new Error('no addon');
    return httpHeadNative;
  };
  const slots = (fields: number): number => 4 + 4 * fields;

  function scan(buf: Buffer, start: number, end: number, maxUrl: number, maxFields: number): number[] {
    const out = new Uint32Array(slots(maxFields));
    const count = n().scanHead(buf, start, end, out, maxUrl, maxFields);
    return [count, ...out];
  }

  /** Runs `fn` with each kernel selected, and returns the answers by kernel name. */
  function byKernel<T>(fn: () => T): Map<string, T> {
    const answers = new Map<string, T>();
    const before = n().httpHeadKernel();
    try {
      for (const name of n().httpHeadKernels()) {
        n()._setHttpHeadKernel(name);
        answers.set(name, fn());
      }
    } finally {
      n()._setHttpHeadKernel(before);
    }
    return answers;
  }

  const rand = prng(0x68656164);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const BAD = [
    0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x28, 0x2c, 0x2f, 0x3a, 0x40, 0x5b, 0x5d, 0x7b, 0x7d, 0x7f, 0x80, 0xff,
  ];
  const run = (len: number, c = 'a'): string => c.repeat(len);

  /** A valid head whose parts have lengths that put delimiters near block edges, maybe with one byte changed. */
  function edgeHead(): Buffer {
    const lens = () => pick([0, 1, 2, 13, 14, 15, 16, 17, 29, 30, 31, 32, 33, 47, 48, 63, 64, 65]);
    let text = `${run(1 + lens(), 'G')} /${run(lens(), 'p')} HTTP/1.1\r\n`;
    const fields = Math.floor(rand() * 5);
    for (let f = 0; f < fields; f++)
      text += `${run(1 + lens(), 'N')}:${pick(['', ' ', '\t '])}${run(lens(), 'v')}${pick(['', ' '])}\r\n`;
    const bytes = Buffer.from(text, 'latin1');
    if (rand() < 0.7) bytes[Math.floor(rand() * bytes.length)] = pick(BAD);
    return bytes;
  }

  test('SIMD kernels give the scalar answer at every block edge', () => {
    const cases: [Buffer, number, number, number, number][] = [];
    for (let i = 0; i < 3000; i++) {
      const head = edgeHead();
      const pad = Math.floor(rand() * 40);
      // Room after the head: the kernels must stop at `end` even when the bytes after it would continue.
      const buf = Buffer.concat([Buffer.alloc(pad, 0x61), head, Buffer.alloc(Math.floor(rand() * 40), 0x61)]);
      cases.push([buf, pad, pad + head.length, pick([4, 64, 8192]), pick([1, 3, 100])]);
    }
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(rand() * 100);
      const bytes = Buffer.alloc(len);
      for (let k = 0; k < len; k++)
        bytes[k] = rand() < 0.8 ? pick([0x41, 0x61, 0x2d, 0x31, 0x3a, 0x20, 0x0d, 0x0a]) : pick(BAD);
      cases.push([bytes, 0, len, 64, 10]);
    }
    const answers = byKernel(() =>
      cases.map(([buf, start, end, maxUrl, maxFields]) => scan(buf, start, end, maxUrl, maxFields)),
    );
    const scalar = answers.get('scalar');
    expect(scalar).toBeDefined();
    const accepted = (scalar ?? []).filter((a) => a[0] >= 0).length;
    expect(accepted).toBeGreaterThan(500); // both accepted and refused heads were compared
    expect(accepted).toBeLessThan(cases.length - 500);
    for (const [name, got] of answers) {
      if (name === 'scalar') continue;
      for (let i = 0; i < cases.length; i++) {
        if (got[i].join() !== (scalar ?? [])[i].join()) {
          throw new Error(
            `${name} differs from scalar on ${cases[i][0]
              .subarray(cases[i][1], cases[i][2])
              .toString('latin1')
              .replace(
                /[^\x20-\x7e]/g,
                (c) => `\\x${c.charCodeAt(0).toString(16)}`,
              )}: ${got[i].join()} vs ${(scalar ?? [])[i].join()}`,
          );
        }
      }
    }
  });

  test('offsets index the buffer; the request line and fields as parser.ts cuts them', () => {
    const buf = Buffer.from('xxGET /json HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nX-A:\t b \r\n', 'latin1');
    const [count, ...out] = scan(buf, 2, buf.length, 100, 4);
    expect(count).toBe(2);
    expect(out.slice(0, 12)).toEqual([5, 11, 20, 1, 22, 26, 28, 42, 44, 47, 50, 51]);
  });

  test("scanHeadText: the head as text and scanHead's answer one slot further, or the request-line code", () => {
    const heads = [
      'GET /json HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nX-A:\t b \r\n', // fine
      'GET /json HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n', // a field-line code: text and code
      'GET /json HTTP/1.1\r\nHost: x\r\n folded\r\n', // obs-fold, a field-line code too
      'GET /json HTTP/2.0\r\nHost: x\r\n', // a request-line code: no text
      'G@T / HTTP/1.1\r\n',
      '',
      'GET /caf\xe9 HTTP/1.1\r\nX-L: \xff\xfe\r\n', // Latin-1 bytes past 0x7f
    ];
    for (const head of heads) {
      const buf = Buffer.from(`..${head}..`, 'latin1');
      const plain = new Uint32Array(slots(4));
      const count = n().scanHead(buf, 2, buf.length - 2, plain, 100, 4);
      const out = new Uint32Array(slots(4) + 1);
      const text = n().scanHeadText(buf, 2, buf.length - 2, out, 100, 4);
      if (count < 0 && count > -10) {
        expect(text).toBe(count);
        continue;
      }
      expect(text).toBe(head);
      expect(out[0] | 0).toBe(count);
      if (count > 0) expect([...out.subarray(1, 1 + 4 + 4 * count)]).toEqual([...plain.subarray(0, 4 + 4 * count)]);
    }
    const buf = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n', 'latin1');
    expect(n().scanHeadText(buf, 0, buf.length, new Uint32Array(slots(2)), 100, 2)).toBe(-20); // no room for the count
    expect(n().scanHeadText(buf, 0, buf.length, new Uint32Array(0), 100, 0)).toBe(-20);
    expect(n().scanHeadText(buf, 0, buf.length + 1, new Uint32Array(40), 100, 2)).toBe(-21);
    expect(n().scanHeadText(buf, 4, 3, new Uint32Array(40), 100, 2)).toBe(-21);
  });

  test('bad ranges and a short output array are codes, never a read or write out of bounds', () => {
    const buf = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n', 'latin1');
    const out = new Uint32Array(slots(2));
    expect(n().scanHead(buf, 0, buf.length, new Uint32Array(slots(2) - 1), 100, 2)).toBe(-20);
    expect(n().scanHead(buf, 0, buf.length, new Uint32Array(0), 100, 0)).toBe(-20);
    expect(n().scanHead(buf, 0, buf.length + 1, out, 100, 2)).toBe(-21);
    expect(n().scanHead(buf, 5, 4, out, 100, 2)).toBe(-21);
    expect(n().scanHead(buf, -1, 4, out, 100, 2)).toBe(-21);
    expect(n().scanHead(buf, 0.5, 4, out, 100, 2)).toBe(-21);
    expect(n().scanHead(buf, 0, buf.length, out, -1, 2)).toBe(-21);
    expect(n().scanHead(buf, 0, buf.length, out, 100, Number.NaN)).toBe(-21);
    expect(n().scanHead(buf, 0, 0, out, 100, 2)).toBe(-1); // empty: no request line
    // A view with an offset: the scan reads and writes only inside the views.
    const backing = new Uint32Array(slots(1) + 2).fill(7);
    const view = new Uint32Array(backing.buffer, 4, slots(1));
    expect(n().scanHead(buf, 0, buf.length, view, 100, 1)).toBe(1);
    expect([backing[0], backing[backing.length - 1]]).toEqual([7, 7]);
    // Errors from the addon are of the main realm, not jest's: compared by name.
    const thrown = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        return `${(err as Error).name}: ${(err as Error).message}`;
      }
      return 'nothing';
    };
    expect(thrown(() => n().scanHead('GET' as unknown as Buffer, 0, 0, out, 100, 2))).toBe(
      'TypeError: buf must be a Uint8Array',
    );
    expect(thrown(() => n().scanHead(buf, 0, 0, new Uint8Array(8) as unknown as Uint32Array, 100, 2))).toBe(
      'TypeError: out must be a Uint32Array',
    );
    expect(thrown(() => n()._setHttpHeadKernel('mmx'))).toBe('RangeError: kernel not available on this CPU');
  });
});
