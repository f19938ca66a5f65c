// Response heads of the krozen transport (lib/transport/krozen/writer.ts): the cached whole heads of the
// commonest responses must be byte for byte what the general path writes, and only for that shape.
import { CLOSE_LINE, commonHead, headTail, keepAliveLines, serializeHead } from '../../lib/transport/krozen/writer';

const [KEEP_ALIVE_10, KEEP_ALIVE_11] = keepAliveLines(5000);

function general(status: number, headers: Record<string, string | number>, framing: string): string {
  const info = serializeHead(status, headers);
  return info.text + headTail(framing);
}

/** The head without its Date line's value (the second may turn between two calls). */
function undated(head: string): string {
  return head.replace(/\r\ndate: [^\r]* GMT\r\n/, '\r\ndate: *\r\n');
}

describe('krozen writer: common heads', () => {
  test.each([
    ['application/json', 27],
    ['text/plain; charset=utf-8', 0],
    ['text/html; charset=utf-8', 4095],
  ])(
    '200 + content-length + content-type %s (%d bytes): the cached head is the general one, for every framing',
    (type, length) => {
      for (const framing of [CLOSE_LINE, KEEP_ALIVE_10, KEEP_ALIVE_11]) {
        const headers = { 'content-length': length, 'content-type': type };
        const info = serializeHead(200, headers);
        expect(info.commonLength).toBe(length);
        const want = general(200, headers, framing);
        expect(undated(commonHead(serializeHead(200, headers), framing))).toBe(undated(want));
        // Asked again (now from the cache): still the same bytes.
        expect(undated(commonHead(serializeHead(200, headers), framing))).toBe(undated(want));
        expect(want).toMatch(
          new RegExp(
            `^HTTP/1\\.1 200 OK\\r\\ncontent-length: ${length}\\r\\ncontent-type: ${type.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\r\\ndate: .+ GMT\\r\\n`,
          ),
        );
        expect(want.endsWith(`${framing}\r\n`)).toBe(true);
      }
    },
  );

  test.each([
    ['another status', 201, { 'content-length': 2, 'content-type': 'application/json' }],
    ['content-type first', 200, { 'content-type': 'application/json', 'content-length': 2 }],
    ['another header too', 200, { 'content-length': 2, 'content-type': 'application/json', etag: '"x"' }],
    ['another type', 200, { 'content-length': 2, 'content-type': 'image/png' }],
    ['a length past the cached lines', 200, { 'content-length': 5000, 'content-type': 'application/json' }],
    ['no length', 200, { 'content-type': 'application/json' }],
  ])('%s: not the common shape (the general path writes it)', (_what, status, headers) => {
    expect(serializeHead(status, headers).commonLength).toBe(-1);
  });

  test('a response of every length: the cache stops growing, the heads stay right', () => {
    for (let length = 0; length < 1000; length++) {
      const headers = { 'content-length': length, 'content-type': 'application/json' };
      expect(undated(commonHead(serializeHead(200, headers), KEEP_ALIVE_11))).toBe(
        undated(general(200, headers, KEEP_ALIVE_11)),
      );
    }
  });
});
