// getBackends().wsRead says how WebSocket sockets are read. Direct reads lean on Node internals (onread's
// per-socket symbols and the handle's useUserBuffer), so a new Node line can switch them off: this test is
// what makes that visible. .ci/run runs the suite on every live Node line (22, 24, 26; 20 while machines
// run it), where direct reads must be active, plus one run with KROZEN_WS_STREAM_READ=1, where they must not.
import { getBackends } from '../../lib/diagnostics';
import type { WebSocket } from '../../lib/ws';
import { sessionOfWs } from '../../lib/ws/session';
import { Inbox, exactEcho, openWs, startWs } from './helpers';

const expected = process.env.KROZEN_WS_STREAM_READ === '1' ? 'stream' : 'direct';

test(`getBackends().wsRead is '${expected}' on Node ${process.version}`, () => {
  expect(getBackends().wsRead).toBe(expected);
});

test('a real connection reads the way getBackends() says', async () => {
  const connections: WebSocket[] = [];
  const srv = await startWs((app) => {
    app.on('ws:connect', ({ ws }: { ws: WebSocket }) => void connections.push(ws));
    exactEcho(app);
  });
  try {
    const client = await openWs(srv.url);
    const inbox = new Inbox(client);
    client.send('over the wire');
    expect((await inbox.next()).text).toBe('over the wire');
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
