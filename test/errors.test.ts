// API misuse throws coded errors (err.code 'KROZEN_ERR_…'), keeping the built-in class it always had.
import { createApp, cors, ErrorCode, KrozenError, KrozenRangeError, KrozenTypeError, Server } from '../lib';
import { signCookie } from '../lib/http/cookies';
import { RadixRouter } from '../lib/router';
import { payloadTooLarge } from '../lib/pubsub/payload';
import { errorResponse } from '../lib/transport/error-response';
import { assertCloseArgs } from '../lib/ws/close-codes';

function codeOf(fn: () => unknown): { code: unknown; error: unknown } {
  try {
    fn();
  } catch (error) {
    return { code: (error as { code?: unknown }).code, error };
  }
  throw new Error('did not throw');
}

describe('coded errors', () => {
  test('every code is KROZEN_ERR_ + its key, and the codes are distinct', () => {
    const values = Object.values(ErrorCode);
    for (const [key, value] of Object.entries(ErrorCode)) expect(value).toBe(`KROZEN_ERR_${key}`);
    expect(new Set(values).size).toBe(values.length);
  });

  test.each([
    ['a handler that is not a function', () => createApp().get('/x', 1 as never), ErrorCode.INVALID_HANDLER, TypeError],
    ['middleware that is not a function', () => createApp().use(null as never), ErrorCode.INVALID_HANDLER, TypeError],
    ['an unknown hook event', () => createApp().on('http:gett' as never, () => {}), ErrorCode.UNKNOWN_HOOK, TypeError],
    ['a plugin without setup', () => createApp().plugin({ name: 'p' } as never), ErrorCode.INVALID_PLUGIN, TypeError],
    [
      'a duplicate route',
      () =>
        createApp()
          .get('/a/:id', () => undefined)
          .get('/a/:id', () => undefined),
      ErrorCode.DUPLICATE_ROUTE,
      Error,
    ],
    [
      'a wildcard that is not last',
      () => new RadixRouter().add('GET', '/a/*rest/b', 1),
      ErrorCode.INVALID_ROUTE,
      Error,
    ],
    ['app.ws() with a bad path', () => createApp().ws('no-slash', {}), ErrorCode.INVALID_WS_ENDPOINT, TypeError],
    [
      'app.ws() with an unknown field',
      () => createApp().ws('/ws', { mesage: () => {} } as never),
      ErrorCode.INVALID_WS_ENDPOINT,
      TypeError,
    ],
    ['cors() with a bad origin', () => cors({ origin: [1 as never] }), ErrorCode.INVALID_OPTION, TypeError],
    ['an empty cookie secret', () => signCookie('v', ''), ErrorCode.INVALID_OPTION, TypeError],
    [
      'app.publish() to a non-string topic',
      () => createApp().publish(1 as never, 'x'),
      ErrorCode.INVALID_ARGUMENT,
      TypeError,
    ],
    ['a close code out of range', () => assertCloseArgs(1005, ''), ErrorCode.INVALID_ARGUMENT, RangeError],
    [
      'a close reason over 123 bytes',
      () => assertCloseArgs(1000, 'x'.repeat(124)),
      ErrorCode.INVALID_ARGUMENT,
      RangeError,
    ],
    ['server.port before run()', () => new Server(createApp()).port, ErrorCode.NOT_LISTENING, Error],
  ])('%s', (_, fn, code, base) => {
    const { code: got, error } = codeOf(fn);
    expect(got).toBe(code);
    expect(error).toBeInstanceOf(base);
  });

  test('an unknown setting is refused at run() with KROZEN_ERR_INVALID_SETTING', async () => {
    const app = createApp({ port: 0, host: '127.0.0.1' });
    (app.settings as unknown as Record<string, unknown>).maxBodySise = 1;
    await expect(new Server(app).run()).rejects.toMatchObject({ code: ErrorCode.INVALID_SETTING });
  });

  test('the classes keep their base class and carry the code', () => {
    expect(new KrozenTypeError(ErrorCode.INVALID_ARGUMENT, 'x')).toBeInstanceOf(TypeError);
    expect(new KrozenRangeError(ErrorCode.INVALID_ARGUMENT, 'x')).toBeInstanceOf(RangeError);
    expect(new KrozenError(ErrorCode.MISSING_PEER, 'x').code).toBe('KROZEN_ERR_MISSING_PEER');
    expect(payloadTooLarge(10, 5)).toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE });
  });
});

describe('canned HTTP error responses (lib/transport/error-response.ts)', () => {
  test('status line, JSON body, length, connection: close, extra headers and the date line in order', () => {
    const text = errorResponse(503, 'too many', { 'retry-after': '1' }, 'date: X\r\n');
    const [head, body] = text.split('\r\n\r\n');
    expect(JSON.parse(body)).toEqual({ error: 'too many' });
    expect(head.split('\r\n')).toEqual([
      'HTTP/1.1 503 Service Unavailable',
      'content-type: application/json',
      `content-length: ${Buffer.byteLength(body)}`,
      'date: X',
      'connection: close',
      'retry-after: 1',
    ]);
  });

  test('the message defaults to the reason phrase; UTF-8 is counted in bytes', () => {
    expect(errorResponse(408).endsWith('{"error":"Request Timeout"}')).toBe(true);
    const text = errorResponse(400, 'é');
    expect(text).toContain(`content-length: ${Buffer.byteLength('{"error":"é"}')}`);
  });
});
