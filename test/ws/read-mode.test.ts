// getBackends().wsRead says how WebSocket sockets are read. Direct reads lean on Node internals (onread's
// per-socket symbols and the handle's useUserBuffer), so a new Node line can switch them off: this test is
// what makes that visible. .ci/run runs the suite on every live Node line (22, 24, 26; 20 while machines
// run it), where direct reads must be active, plus one run with KROZEN_WS_STREAM_READ=1, where they must not.
import { Socket } from 'node:net';
import { getBackends } from '../../lib/diagnostics';
import { setRawSocket } from '../../lib/transport/raw-takeover';
import type { WebSocket } from '../../lib/ws';
import { sessionOfWs } from '../../lib/ws/session';
import type WsClient from 'ws';
import { Inbox, exactEcho, openWs, startWs, type RunningWs } from './helpers';

const expected = process.env.KROZEN_WS_STREAM_READ === '1' ? 'stream' : 'direct';
// The handle is taken over on the krozen transport when direct reads run (raw-socket.ts).
const onKrozen = (process.env.KROZEN_TRANSPORT ?? 'krozen') === 'krozen' && process.env.KROZEN_TEST_TLS !== '1';
const expectedSocket = expected === 'direct' && process.env.KROZEN_RAW_SOCKET !== '0' ? 'handle' : 'stream';

test(`getBackends().wsRead is '${expected}' on Node ${process.version}`, () => {
  expect(getBackends().wsRead).toBe(expected);
});

test(`getBackends('krozen').wsSocket is '${expectedSocket}' on Node ${process.version}`, () => {
  expect(getBackends('krozen').wsSocket).toBe(expectedSocket);
  expect(getBackends('node').wsSocket).toBe('stream');
  expect(getBackends('krozen', true).wsSocket).toBe('stream');
});

/** An echo server and a client whose `text` came back: the server's connections, to look inside. */
async function echoed(text: string): Promise<{ srv: RunningWs; client: WsClient; connections: WebSocket[] }> {
  const connections: WebSocket[] = [];
  const srv = await startWs((app) => {
    app.on('ws:connect', ({ ws }: { ws: WebSocket }) => void connections.push(ws));
    exactEcho(app);
  });
  const client = await openWs(srv.url);
  const inbox = new Inbox(client);
  client.send(text);
  expect((await inbox.next()).text).toBe(text);
  return { srv, client, connections };
}

test.each([true, false])('a connection is driven the way getBackends() says (takeover allowed: %s)', async (allow) => {
  setRawSocket(allow);
  const { srv, client, connections } = await echoed('x'.repeat(70_000));
  try {
    const socket = sessionOfWs(connections[0]).socket;
    const onHandle = onKrozen && allow && expectedSocket === 'handle';
    expect(socket instanceof Socket).toBe(!onHandle);
    client.close();
    await new Promise((resolve) => connections[0].once('close', resolve));
  } finally {
    setRawSocket(process.env.KROZEN_RAW_SOCKET !== '0');
    await srv.stop();
  }
});

test('a real connection reads the way getBackends() says', async () => {
  const { srv, client, connections } = await echoed('over the wire');
  try {
    expect(connections).toHaveLength(1);
    // The session behind the public WebSocket holds the read slabs (null on the stream path).
    const reads = (sessionOfWs(connections[0]) as unknown as { reads: unknown }).reads;
    expect(reads).not.toBeUndefined();
    const direct = reads !== null;
    expect(direct ? 'direct' : 'stream').toBe(expected);
    client.close();
  } finally {
    await srv.stop();
  }
});
