// An upgraded connection on its TCP handle (lib/transport/raw-socket.ts), against the same connection on its
// net.Socket: the same bytes both ways, FIN and reset from the peer, our FIN after a close handshake,
// backpressure and 'drain', the transport's books (counted, waited for at stop, destroyed at its end).
// Every other WebSocket suite runs on whichever path getBackends().wsSocket names; this one runs both.
import { Socket } from 'node:net';
import type { WebSocket } from '../../lib/ws';
import { sessionOfWs } from '../../lib/ws/session';
import { getBackends } from '../../lib/diagnostics';
import { rawSocketCounts } from '../../lib/transport/raw-socket';
import { setRawSocket } from '../../lib/transport/raw-takeover';
import { directWriteActive, setDirectWrite } from '../../lib/transport/krozen/direct-write';
import { RawClient, exactEcho, sleep, startWs, type RunningWs } from './helpers';

const tlsLane = process.env.KROZEN_TEST_TLS === '1';
const rawByDefault = process.env.KROZEN_RAW_SOCKET !== '0';

// Direct writes (the addon's send on the fd) on and off: both ways of writing on the handle run.
describe.each([
  [true, true],
  [true, false],
  [false, true],
])('takeover allowed: %s, direct writes: %s', (allow, directWrites) => {
  let srv: RunningWs;
  const opened: WebSocket[] = [];
  const closes: Array<{ code: number }> = [];
  beforeAll(async () => {
    setRawSocket(allow);
    setDirectWrite(directWrites);
    srv = await startWs(
      (app) => {
        app.on('ws:connect', ({ ws }: { ws: WebSocket }) => {
          opened.push(ws);
          ws.on('close', (code: number) => closes.push({ code }));
        });
        exactEcho(app);
      },
      { wsMaxBackpressure: 64 * 1024 * 1024 },
    );
  });
  afterAll(async () => {
    setRawSocket(rawByDefault);
    setDirectWrite(process.env.KROZEN_DIRECT_WRITE !== '0');
    await srv.stop();
  });

  // What getBackends() says with the takeover allowed or not (off on the node transport, TLS, stream reads).
  const expectHandle = (): boolean =>
    getBackends().server === 'krozen' && getBackends('krozen').wsSocket === 'handle' && !tlsLane;

  async function open(): Promise<{ client: RawClient; ws: WebSocket }> {
    const before = opened.length;
    const taken = rawSocketCounts.taken;
    const client = await RawClient.open(srv.port);
    while (opened.length === before) await sleep(2);
    const ws = opened[before];
    expect(sessionOfWs(ws).socket instanceof Socket).toBe(!expectHandle());
    expect(rawSocketCounts.taken - taken).toBe(expectHandle() ? 1 : 0);
    if (!allow) expect(expectHandle()).toBe(false);
    return { client, ws };
  }

  test('echoes frames of every length class byte for byte, in order', async () => {
    const { client } = await open();
    const fdWrites = rawSocketCounts.fdWrites;
    const sizes = [0, 1, 125, 126, 65535, 65536, 300_000, 2_000_000];
    for (const size of sizes) {
      const payload = Buffer.alloc(size);
      for (let i = 0; i < size; i++) payload[i] = (i * 31 + size) & 0xff;
      client.send({ opcode: 2, payload });
    }
    for (const size of sizes) {
      const frame = await client.next(10_000);
      expect(frame.opcode).toBe(2);
      expect(frame.payload.length).toBe(size);
      for (let i = 0; i < size; i += 997) expect(frame.payload[i]).toBe((i * 31 + size) & 0xff);
    }
    // On the handle with the addon, the echoes went onto the fd directly; otherwise through the handle or stream.
    const direct = expectHandle() && directWrites && directWriteActive();
    expect(rawSocketCounts.fdWrites > fdWrites).toBe(direct);
    client.destroy();
  });

  test("a client that does not read: what waits is counted, then sent, then 'drain'", async () => {
    const { client, ws } = await open();
    client.socket.pause();
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 16; i++) expect(ws.send(chunk)).toBe(true);
    await sleep(50);
    expect(ws.bufferedAmount).toBeGreaterThan(1024 * 1024); // the kernel's buffers are full: the rest waits
    const drained = new Promise<void>((resolve) => ws.once('drain', () => resolve()));
    client.socket.resume();
    for (let i = 0; i < 16; i++) expect((await client.next(10_000)).payload.length).toBe(chunk.length);
    await drained;
    expect(ws.bufferedAmount).toBe(0);
    client.destroy();
  });

  test("the peer's FIN: the server ends its side and the connection closes (1006: no close frame)", async () => {
    const { client, ws } = await open();
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    client.socket.end();
    expect(await closed).toBe(1006);
    await client.serverClosed();
    expect(client.ended).toBe(true);
  });

  test('a reset from the peer closes the connection (1006)', async () => {
    const { client, ws } = await open();
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    if (tlsLane)
      client.socket.destroy(); // (a TLS socket has no reset)
    else client.socket.resetAndDestroy();
    expect(await closed).toBe(1006);
  });

  test('our close: the close frame, then FIN once the peer answered; both sides see the code', async () => {
    const { client, ws } = await open();
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    ws.close(4001, 'bye');
    const frame = await client.closeFrame();
    expect(frame.code).toBe(4001);
    client.send({ opcode: 8, payload: Buffer.from([0x0f, 0xa1]) });
    expect(await closed).toBe(4001);
    await client.serverClosed();
    expect(client.ended).toBe(true);
  });

  test('terminate() closes at once, with what waits dropped', async () => {
    const { client, ws } = await open();
    client.socket.pause();
    ws.send(Buffer.alloc(8 * 1024 * 1024));
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    ws.terminate();
    expect(await closed).toBe(1006);
    client.socket.resume();
    await client.serverClosed(10_000);
  });
});

test('the transport counts a connection on its handle until it closes, and Server.stop() waits for it', async () => {
  const srv = await startWs(exactEcho, { maxConnections: 1 });
  const first = await RawClient.open(srv.port);
  first.send({ opcode: 1, payload: Buffer.from('hi') });
  expect((await first.next()).payload.toString()).toBe('hi');
  // The cap is reached: a second connection gets the 503 (over TLS: closed before its handshake).
  const refused = await RawClient.connect(srv.port).catch(() => null);
  const status = refused === null ? 'closed' : (refused.response?.status ?? 'closed');
  expect(status).toBe(tlsLane ? 'closed' : 503);
  // Stop: the open connection gets 1001 and stop() resolves once it is gone.
  const stopping = srv.stop();
  const close = await first.closeFrame();
  expect(close.code).toBe(1001);
  first.send({ opcode: 8, payload: Buffer.from([0x03, 0xe9]) });
  await stopping;
  await first.serverClosed();
});
