// WsHub.publish frames a value once, with the rule ws.send follows (lib/ws/message-encoding.ts) under the
// hub's settings.jsonBigInt: the app's, which every connection of the app shares (an endpoint cannot change
// it); the hub takes it from the connections it is given. A BigInt is written exactly with jsonBigInt and
// refused (TypeError, as JSON.stringify) without it. Fake sessions (only what publish touches); JSON.rawJSON
// is Node >= 22, so on older lines the exact writer is stood in for by one that writes the digits the same
// way. The wire test is json-bigint.test.ts; send/reply/publish identity: message-encoding.test.ts.
import { WsHub } from '../../lib/ws/hub';
import type { ConnectionLimits } from '../../lib/ws/connection-config';
import type { WsSession } from '../../lib/ws/session';
import type { WebSocket } from '../../lib/ws/websocket';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a jest.mock factory runs before imports
jest.mock('../../lib/backend/json-codec', () => require('./bigint-json-mock').jsonCodecWithBigInt());

// sessionOf(ws) reads the WebSocket's private field: the fakes are their own sessions.
jest.mock('../../lib/ws/websocket', () => ({ sessionOf: (ws: unknown) => ws }));

interface Fake {
  frames: Buffer[];
  sendFrame(frame: Buffer): boolean;
}

function hubWith(jsonBigInt: boolean, count = 1): { hub: WsHub; subs: Fake[] } {
  const hub = new WsHub();
  const subs: Fake[] = [];
  for (let i = 0; i < count; i++) {
    const f: Fake = { frames: [], sendFrame: (frame) => (f.frames.push(frame), true) };
    hub.addConnection(f as unknown as WsSession, { jsonBigInt, idleTimeout: 0 } as ConnectionLimits);
    hub.topicsIndex.add('t', f as unknown as WebSocket);
    subs.push(f);
  }
  return { hub, subs };
}

/** The text payload of an unmasked server frame (payloads < 126 bytes here). */
function payload(frame: Buffer): string {
  return frame.subarray(2, 2 + (frame[1] & 0x7f)).toString();
}

test('a BigInt published by a jsonBigInt app is written exactly, one Buffer for every subscriber', () => {
  const { hub, subs } = hubWith(true, 2);
  expect(hub.publish('t', { id: 12345678901234567890n })).toBe(2);
  expect(payload(subs[0].frames[0])).toBe('{"id":12345678901234567890}');
  expect(subs[1].frames[0]).toBe(subs[0].frames[0]);
});

test('without jsonBigInt a BigInt is a TypeError and reaches nobody; other JSON is framed as before', () => {
  const { hub, subs } = hubWith(false, 2);
  expect(hub.publish('t', { n: 1 })).toBe(2);
  expect(payload(subs[0].frames[0])).toBe('{"n":1}');
  expect(() => hub.publish('t', { n: 1n })).toThrow(TypeError);
  expect(subs[0].frames).toHaveLength(1);
  expect(subs[1].frames).toHaveLength(1);
});

test('strings and bytes are framed as before', () => {
  const { hub, subs } = hubWith(true);
  hub.publish('t', 'hi');
  hub.publish('t', Buffer.from('ab'));
  expect(subs[0].frames[0][0]).toBe(0x81);
  expect(payload(subs[0].frames[0])).toBe('hi');
  expect(subs[0].frames[1][0]).toBe(0x82);
});
