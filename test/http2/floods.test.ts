// HTTP/2 floods against an h2c server: the "rapid reset" attack (CVE-2023-44487: HEADERS then RST_STREAM,
// thousands of times), a SETTINGS flood and a PING flood. Each must end the attacking session (GOAWAY /
// close) within a bound, start only a bounded amount of work, and leave another client served meanwhile.
import http2 from 'node:http2';
import net from 'node:net';
import { startServer, type TestServer } from '../fixtures/wire';
import { nodeClient } from './clients';
import { RESET_BUDGET } from '../../lib/transport/http2/sessions';

let server: TestServer;
let started = 0;

beforeAll(async () => {
  server = await startServer({ http2: 'h2c' }, (app) => {
    app.get('/work', async () => {
      started++;
      await new Promise((r) => setTimeout(r, 20));
      return { body: { ok: true } };
    });
    app.get('/ping', () => ({ body: { pong: true } }));
  });
});
afterAll(() => server.stop());

/** Another client's requests, all of which must succeed. */
async function bystander(count: number): Promise<number[]> {
  const { send, session } = nodeClient(`http://127.0.0.1:${server.port}`);
  try {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) statuses.push((await send('/ping')).status);
    return statuses;
  } finally {
    session.close();
  }
}

/** Sends HEADERS + RST_STREAM (CANCEL) pairs, `perBatch` at a time then `pauseMs`, until the session ends. */
async function rapidReset(perBatch: number, pauseMs: number, batches: number) {
  started = 0;
  const session = http2.connect(`http://127.0.0.1:${server.port}`);
  session.on('error', () => undefined);
  await new Promise((r) => session.once('connect', r));
  let goaway: number | undefined;
  session.on('goaway', (code) => {
    goaway ??= code;
  });
  const closed = new Promise<void>((r) => session.once('close', r));
  const t0 = Date.now();
  let sent = 0;
  // In batches, so the client's own event loop sends them while the server answers.
  for (let batch = 0; batch < batches && !session.closed && !session.destroyed; batch++) {
    for (let i = 0; i < perBatch && !session.closed && !session.destroyed; i++) {
      try {
        const req = session.request({ ':path': '/work' });
        req.on('error', () => undefined);
        req.close(http2.constants.NGHTTP2_CANCEL);
        sent++;
      } catch {
        break; // the session is going away
      }
    }
    await new Promise((r) => (pauseMs === 0 ? setImmediate(r) : setTimeout(r, pauseMs)));
  }
  await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
  return { goaway, sent, ms: Date.now() - t0, ended: session.destroyed || session.closed };
}

test('rapid reset, as fast as possible: the session ends within the burst (nghttp2 or krozen)', async () => {
  const r = await rapidReset(100, 0, 100);
  expect(r.ended).toBe(true);
  // Node 20.10+ bundles nghttp2 >= 1.57, whose own reset rate limit (a burst of 1000) answers GOAWAY
  // INTERNAL_ERROR; krozen's budget answers ENHANCE_YOUR_CALM when it sees the resets first.
  expect([http2.constants.NGHTTP2_INTERNAL_ERROR, http2.constants.NGHTTP2_ENHANCE_YOUR_CALM]).toContain(r.goaway);
  expect(r.ms).toBeLessThan(5000);
  // Work started for reset streams stays bounded, far below what could be sent.
  expect(started).toBeLessThan(1500);
  expect(await bystander(20)).toEqual(Array(20).fill(200));
});

test("rapid reset under nghttp2's rate: krozen's budget ends the session with ENHANCE_YOUR_CALM", async () => {
  // 20 pairs every 20 ms stays under nghttp2's burst for a long while; krozen counts each reset.
  const r = await rapidReset(20, 20, 200);
  expect(r.ended).toBe(true);
  expect(r.goaway).toBe(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
  expect(r.sent).toBeGreaterThan(RESET_BUDGET);
  expect(r.sent).toBeLessThan(RESET_BUDGET + 100);
  expect(started).toBeLessThanOrEqual(r.sent);
  expect(await bystander(20)).toEqual(Array(20).fill(200));
});

/** Opens a raw h2c connection, sends the preface then `frame` `count` times without reading a byte. */
function floodRaw(frame: Buffer, count: number): Promise<{ closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    const t0 = Date.now();
    socket.pause(); // never read: the acknowledgements pile up on the server
    socket.on('error', () => undefined);
    socket.once('close', () => resolve({ closedAfterMs: Date.now() - t0 }));
    socket.once('connect', () => {
      const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
      const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
      socket.write(Buffer.concat([preface, settings, Buffer.concat(Array(count).fill(frame))]));
    });
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept the flooding connection open for 10 s'));
    }, 10_000).unref();
  });
}

test('SETTINGS flood: the server closes the connection; another client is served', async () => {
  const settingsFrame = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
  const flood = floodRaw(settingsFrame, 2_000_000);
  expect(await bystander(5)).toEqual(Array(5).fill(200));
  expect((await flood).closedAfterMs).toBeLessThan(10_000);
});

test('PING flood: the server closes the connection; another client is served', async () => {
  const pingFrame = Buffer.from([0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const flood = floodRaw(pingFrame, 1_000_000);
  expect(await bystander(5)).toEqual(Array(5).fill(200));
  expect((await flood).closedAfterMs).toBeLessThan(10_000);
});
