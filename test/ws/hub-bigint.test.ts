// WsHub.publish follows each subscriber's settings.jsonBigInt, as ws.send does (issue 19, item 5): a BigInt
// is written exactly to a jsonBigInt connection, and refused (TypeError, as JSON.stringify) without it.
// Fake subscribers (only what publish touches); JSON.rawJSON is Node >= 22, so on older lines the exact
// writer is stood in for by one that writes the digits the same way. The wire test is json-bigint.test.ts.
import { WsHub } from '../../lib/ws/hub';
import type { WebSocket } from '../../lib/ws/connection';

jest.mock('../../lib/backend/json-codec', () => {
  const actual = jest.requireActual('../../lib/backend/json-codec');
  return {
    ...actual,
    // Node < 22 has no JSON.rawJSON: digits marked, then unquoted (what rawJSON produces).
    stringifyWithBigInt: (value: unknown) =>
      JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `@@${v.toString()}@@` : v)).replace(
        /"@@(-?\d+)@@"/g,
        '$1',
      ),
  };
});

interface Fake {
  limits: { jsonBigInt: boolean };
  frames: Buffer[];
  sendFrame(frame: Buffer): boolean;
}

function fake(jsonBigInt: boolean): Fake {
  const f: Fake = { limits: { jsonBigInt }, frames: [], sendFrame: (frame) => (f.frames.push(frame), true) };
  return f;
}

/** The text payload of an unmasked server frame (payloads < 126 bytes here). */
function payload(frame: Buffer): string {
  return frame.subarray(2, 2 + (frame[1] & 0x7f)).toString();
}

test('a BigInt published to a jsonBigInt subscriber is written exactly', () => {
  const hub = new WsHub();
  const ws = fake(true);
  hub.topicsIndex.add('t', ws as unknown as WebSocket);
  expect(hub.publish('t', { id: 12345678901234567890n })).toBe(1);
  expect(payload(ws.frames[0])).toBe('{"id":12345678901234567890}');
});

test('subscribers with and without jsonBigInt: each gets its own rule, a value one cannot encode reaches nobody', () => {
  const hub = new WsHub();
  const exact = fake(true);
  const plain = fake(false);
  hub.topicsIndex.add('t', exact as unknown as WebSocket);
  hub.topicsIndex.add('t', plain as unknown as WebSocket);
  expect(hub.publish('t', { n: 1 })).toBe(2);
  expect(payload(exact.frames[0])).toBe('{"n":1}');
  expect(payload(plain.frames[0])).toBe('{"n":1}');
  expect(() => hub.publish('t', { n: 1n })).toThrow(TypeError);
  expect(exact.frames).toHaveLength(1);
  expect(plain.frames).toHaveLength(1);
});

test('strings and bytes are framed as before', () => {
  const hub = new WsHub();
  const ws = fake(true);
  hub.topicsIndex.add('t', ws as unknown as WebSocket);
  hub.publish('t', 'hi');
  hub.publish('t', Buffer.from('ab'));
  expect(ws.frames[0][0]).toBe(0x81);
  expect(payload(ws.frames[0])).toBe('hi');
  expect(ws.frames[1][0]).toBe(0x82);
});
