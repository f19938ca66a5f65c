// wsMaxMessagesPerSecond / an endpoint's maxMessagesPerSecond: a token bucket per connection; a client that
// sends faster than the limit is closed with 1008, one that keeps to it is not. Real `ws` clients.
import { openWs, closed, Inbox, startWs, sleep, type RunningWs } from './helpers';
import { wsBase } from '../helpers/tls-lane';

let running: RunningWs | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

test('settings.wsMaxMessagesPerSecond: a burst past the limit closes with 1008; the messages before it were handled', async () => {
  let handled = 0;
  running = await startWs(
    (app) =>
      app.on('ws:message', () => {
        handled++;
      }),
    { wsMaxMessagesPerSecond: 10 },
  );
  const ws = await openWs(running.url);
  const inbox = new Inbox(ws);
  const done = closed(ws);
  for (let i = 0; i < 30; i++) ws.send(`m${i}`);
  expect(await done).toEqual({ code: 1008, reason: 'Message rate limit' });
  expect(handled).toBe(10);
  expect(inbox.length).toBe(10); // the global endpoint's default reply, one per handled message
});

test('a client within the rate stays open; the limit is per connection', async () => {
  running = await startWs((app) => app.on('ws:message', (ctx) => void (ctx.reply = 'ok')), {
    wsMaxMessagesPerSecond: 20,
  });
  const slow = await openWs(running.url);
  const other = await openWs(running.url);
  const inbox = new Inbox(slow);
  // 40 messages over ~2.4 s: 16 a second, under 20.
  for (let i = 0; i < 40; i++) {
    slow.send('x');
    if (i % 4 === 3) await sleep(240);
  }
  for (let i = 0; i < 40; i++) await inbox.next();
  expect(slow.readyState).toBe(slow.OPEN);
  const otherClosed = closed(other);
  for (let i = 0; i < 25; i++) other.send('y');
  expect((await otherClosed).code).toBe(1008);
  expect(slow.readyState).toBe(slow.OPEN);
  slow.close();
});

test("an endpoint's maxMessagesPerSecond overrides the setting; 0 turns it off", async () => {
  running = await startWs(
    (app) => {
      app.ws('/strict', { maxMessagesPerSecond: 5 });
      app.ws('/free', { maxMessagesPerSecond: 0 });
    },
    { wsMaxMessagesPerSecond: 100 },
  );
  const base = `${wsBase(running.port)}`;
  const strict = await openWs(`${base}/strict`);
  const strictClosed = closed(strict);
  for (let i = 0; i < 8; i++) strict.send('s');
  expect((await strictClosed).code).toBe(1008);
  const free = await openWs(`${base}/free`);
  for (let i = 0; i < 500; i++) free.send('f');
  await sleep(200);
  expect(free.readyState).toBe(free.OPEN);
  free.close();
  expect(() => running!.app.ws('/bad', { maxMessagesPerSecond: -1 })).toThrow(
    /maxMessagesPerSecond must be an integer >= 0/,
  );
});
