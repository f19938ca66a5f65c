// A bug in a listener krozen attaches to Node's servers and sockets must end that socket and be logged,
// never throw into Node (which would end the process). Faults are injected on one connection; another
// connection keeps working, the error is logged, and no exception or rejection escapes.
import type { Socket } from 'node:net';
import type * as http from 'node:http';
import { listenerFaultCounts } from '../lib/base/listener-guard';
import type { WebSocket } from '../lib/ws/websocket';
import { setDirectRead } from '../lib/transport/direct-read';
import { Inbox as WsInbox } from '../lib/ws/inbox';
import { WsUpgrade } from '../lib/ws/upgrade';
import { Receiver } from '../lib/ws/receiver';
import { RawConnection } from './helpers/raw-connection';
import { request } from './helpers/server';
import { Inbox, closed, openWs, startWs, type RunningWs } from './ws/helpers';

let srv: RunningWs;
let errorSpy: jest.SpyInstance;
const escaped: unknown[] = [];
const onEscape = (err: unknown): void => void escaped.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  srv = await startWs(
    (app) => {
      app.on('ws:message', async (ctx) => {
        if (ctx.raw === 'slow') await new Promise((resolve) => setTimeout(resolve, 20));
        ctx.reply = ctx.raw;
        ctx.stop = true;
      });
      app.get('/json', () => ({ body: { ok: true } }));
    },
    { transport: 'node' },
  ); // these faults are injected into node:http's listeners (the krozen transport's: test/transport)
});
afterAll(async () => {
  await srv.stop();
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
});
beforeEach(() => {
  errorSpy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.restoreAllMocks();
  setDirectRead(true);
  expect(escaped).toEqual([]);
});

async function expectWsServing(): Promise<void> {
  const ws = await openWs(srv.url);
  const inbox = new Inbox(ws);
  ws.send('still here');
  expect((await inbox.next()).text).toBe('still here');
  ws.close();
}

function faultsOf(where: string): number {
  return listenerFaultCounts()[where] ?? 0;
}

describe.each([
  ['direct reads', true, 'WebSocket direct read'],
  ['stream reads', false, 'WebSocket data'],
])("a fault while parsing one connection's bytes (%s)", (_name, direct, where) => {
  test('ends that connection only, logged', async () => {
    setDirectRead(direct);
    const bystander = await openWs(srv.url);
    const bystanderInbox = new Inbox(bystander);
    const victim = await openWs(srv.url);
    const before = faultsOf(where);
    jest.spyOn(Receiver.prototype, 'push').mockImplementationOnce(() => {
      throw new Error('injected receiver fault');
    });
    const victimClosed = closed(victim);
    victim.send('boom');
    expect((await victimClosed).code).toBe(1006); // the socket was destroyed, no close frame
    expect(faultsOf(where)).toBe(before + 1);
    expect(
      errorSpy.mock.calls.some((c) => String(c[0]).includes(where) && String(c[1]).includes('injected receiver fault')),
    ).toBe(true);
    bystander.send('and me?');
    expect((await bystanderInbox.next()).text).toBe('and me?');
    bystander.close();
    await expectWsServing();
  });
});

test('a fault after an async hook resolved ends that connection, no unhandled rejection', async () => {
  const victim = await openWs(srv.url);
  const resume = jest.spyOn(WsInbox.prototype, 'resume').mockImplementationOnce(() => {
    throw new Error('injected resume fault');
  });
  const victimClosed = closed(victim);
  victim.send('slow');
  expect((await victimClosed).code).toBe(1006);
  expect(resume).toHaveBeenCalled();
  await new Promise((resolve) => setImmediate(resolve));
  expect(errorSpy.mock.calls.some((c) => String(c[1]).includes('injected resume fault'))).toBe(true);
  await expectWsServing();
});

test('a user close listener that throws is logged; the server lives', async () => {
  let seen: WebSocket | undefined;
  srv.app.on('ws:connect', ({ ws }: { ws: WebSocket }) => {
    if (seen !== undefined) return;
    seen = ws;
    ws.on('close', () => {
      throw new Error('injected close listener fault');
    });
  });
  const victim = await openWs(srv.url);
  victim.close();
  await closed(victim);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(errorSpy.mock.calls.some((c) => String(c[1]).includes('injected close listener fault'))).toBe(true);
  expect(srv.app.wsHub.connections).not.toContain(seen);
  await expectWsServing();
});

test('a fault in the upgrade listener destroys that socket only', async () => {
  const before = faultsOf('upgrade');
  jest.spyOn(WsUpgrade.prototype, 'handleUpgrade').mockImplementationOnce(() => {
    throw new Error('injected upgrade fault');
  });
  await expect(openWs(srv.url)).rejects.toThrow();
  expect(faultsOf('upgrade')).toBe(before + 1);
  await expectWsServing();
  expect((await request(srv.port, { path: '/json' })).status).toBe(200);
});

test('a fault in the clientError listener destroys that socket only', async () => {
  const before = faultsOf('clientError');
  const server = srv.server.http as http.Server;
  const sabotage = (socket: Socket): void => {
    server.off('connection', sabotage);
    socket.end = () => {
      throw new Error('injected clientError fault');
    };
  };
  server.on('connection', sabotage);
  const conn = await RawConnection.open(srv.port);
  conn.send('GET /json HTTP/1.1\r\nHost: x\r\n\r\n');
  expect((await conn.response())?.status).toBe(200);
  conn.send('NOT HTTP\r\n\r\n');
  await conn.closed;
  expect(faultsOf('clientError')).toBe(before + 1);
  expect((await request(srv.port, { path: '/json' })).status).toBe(200);
});

test('a fault in the request listener destroys that socket only', async () => {
  const before = faultsOf('request');
  const server = srv.server.http as http.Server;
  const sabotage = (req: http.IncomingMessage): void => {
    if (req.headers['x-fault'] === undefined) return;
    Object.defineProperty(req, 'url', {
      get: () => {
        throw new Error('injected request fault');
      },
    });
  };
  server.prependListener('request', sabotage);
  try {
    const conn = await RawConnection.open(srv.port);
    conn.send('GET /json HTTP/1.1\r\nHost: x\r\nX-Fault: 1\r\n\r\n');
    expect(await conn.response()).toBeNull();
    expect(faultsOf('request')).toBe(before + 1);
    expect((await request(srv.port, { path: '/json' })).status).toBe(200);
  } finally {
    server.off('request', sabotage);
  }
});

test('repeated faults of one listener are logged with their count, not one line each', async () => {
  const server = srv.server.http as http.Server;
  const sabotage = (req: http.IncomingMessage): void => {
    Object.defineProperty(req, 'url', {
      get: () => {
        throw new Error('injected repeated fault');
      },
    });
  };
  server.prependListener('request', sabotage);
  try {
    for (let i = 0; i < 5; i++) {
      const conn = await RawConnection.open(srv.port);
      conn.send('GET /json HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(await conn.response()).toBeNull();
    }
  } finally {
    server.off('request', sabotage);
  }
  // The earlier test logged this listener's first fault; these five come within the interval.
  expect(
    errorSpy.mock.calls.filter((c) => String(c[1]).includes('injected repeated fault')).length,
  ).toBeLessThanOrEqual(1);
  expect((await request(srv.port, { path: '/json' })).status).toBe(200);
});
