// An open WebSocket that exchanges sync messages holds no Inbox and no CloseHandshake (issue 25: they are
// made on first need): the Inbox when a handler's promise first makes the connection busy, the close
// handshake on the first close. Messages behind an async handler still arrive in order, and the close codes
// the handlers see are the same with or without them (1000 from the peer, 1006 when TCP just drops).
import type { Settings } from '../../lib/settings/index';
import type { WebSocket } from '../../lib/ws';
import { sessionOfWs } from '../../lib/ws/session';
import { Inbox, closed, openWs, startWs, type RunningWs } from './helpers';

interface Parts {
  inbox: object | null;
  closing: object | null;
}
/** The session's parts by class name (null: not made); a failure prints names, not the socket's graph. */
const parts = (ws: WebSocket): { inbox: string | null; closing: string | null } => {
  const session = sessionOfWs(ws) as unknown as Parts;
  return { inbox: session.inbox?.constructor.name ?? null, closing: session.closing?.constructor.name ?? null };
};

describe.each<Settings['transport']>(['krozen', 'node'])('lazy session parts (%s transport)', (transport) => {
  let srv: RunningWs;
  const connections: WebSocket[] = [];
  const closes: number[] = [];
  beforeAll(async () => {
    srv = await startWs(
      (app) => {
        app.ws('/lazy', {
          open: (ctx) => void connections.push(ctx.ws),
          async message(ctx) {
            if (ctx.raw === 'slow') await new Promise((r) => setTimeout(r, 30));
            ctx.reply = ctx.raw;
          },
          close: (ctx) => void closes.push(ctx.code),
        });
        app.ws('/sync', {
          open: (ctx) => void connections.push(ctx.ws),
          message: (ctx) => void (ctx.reply = ctx.raw),
          close: (ctx) => void closes.push(ctx.code),
        });
      },
      { transport },
    );
  });
  afterAll(() => srv.stop());
  beforeEach(() => {
    connections.length = 0;
    closes.length = 0;
  });
  const base = (): string => srv.url.replace(/\/ws$/, '');

  test('sync messages: no Inbox, no CloseHandshake until the close; the peer close code is reported', async () => {
    const client = await openWs(`${base()}/sync`);
    const inbox = new Inbox(client);
    client.send('a');
    expect((await inbox.next()).text).toBe('a');
    expect(parts(connections[0])).toEqual({ inbox: null, closing: null });
    client.close(1000);
    await closed(client);
    await new Promise((r) => setTimeout(r, 20));
    expect(closes).toEqual([1000]);
    expect(parts(connections[0]).closing).toBe('CloseHandshake');
  });

  test('an async handler makes the Inbox; later messages wait in order', async () => {
    const client = await openWs(`${base()}/lazy`);
    const inbox = new Inbox(client);
    client.send('slow');
    client.send('b');
    client.send('c');
    expect([(await inbox.next()).text, (await inbox.next()).text, (await inbox.next()).text]).toEqual([
      'slow',
      'b',
      'c',
    ]);
    expect(parts(connections[0])).toEqual({ inbox: 'Inbox', closing: null });
    client.terminate(); // TCP drops without a close frame
    await new Promise((r) => setTimeout(r, 50));
    expect(closes).toEqual([1006]);
  });
});
