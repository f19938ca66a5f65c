// One value → frame rule (lib/ws/message-encoding.ts): ws.send, a handler's reply and publish give the same
// bytes for the same value, with and without settings.jsonBigInt. ws.send and the reply go through a
// connection's Outbox (a fake socket records what it is handed); publish through WsHub (a fake session).
// JSON.rawJSON is Node >= 22: on older lines the exact BigInt writer is stood in for (as hub-bigint.test.ts).
import type { Duplex } from 'node:stream';
import { WsHub } from '../../lib/ws/hub';
import { Outbox } from '../../lib/ws/outbox';
import { sendReply } from '../../lib/ws/reply';
import { WsMessageContext } from '../../lib/ws/context';
import { frameValue } from '../../lib/ws/message-encoding';
import type { ConnectionLimits } from '../../lib/ws/connection-config';
import type { WsSession } from '../../lib/ws/session';
import type { WebSocket } from '../../lib/ws/websocket';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a jest.mock factory runs before imports
jest.mock('../../lib/backend/json-codec', () => require('./bigint-json-mock').jsonCodecWithBigInt());
jest.mock('../../lib/ws/websocket', () => ({ sessionOf: (ws: unknown) => ws }));

function limits(jsonBigInt: boolean): ConnectionLimits {
  return {
    maxPayload: Infinity,
    maxFragments: Infinity,
    closeTimeout: 1000,
    idleTimeout: 0,
    maxBackpressure: Infinity,
    backpressurePolicy: 'drop',
    maxQueuedBytes: Infinity,
    maxMessagesPerSecond: 0,
    jsonMaxDepth: 128,
    jsonBigInt,
    jsonProto: 'error',
  };
}

/** An Outbox over a socket that records the bytes it is handed. */
function outbox(jsonBigInt: boolean): { outbox: Outbox; bytes: () => Buffer } {
  const written: Buffer[] = [];
  const socket = {
    writable: true,
    writableLength: 0,
    write: (buf: Buffer) => (written.push(Buffer.from(buf)), true),
    cork: () => {},
    uncork: () => {},
  } as unknown as Duplex;
  const owner = { outboxFailed: () => {}, outboxDrained: () => {} };
  const box = new Outbox(owner, socket, limits(jsonBigInt), null);
  return { outbox: box, bytes: () => Buffer.concat(written) };
}

function viaSend(value: unknown, jsonBigInt: boolean): Buffer {
  const { outbox: box, bytes } = outbox(jsonBigInt);
  box.inRead = true;
  box.sendValue(value); // what WsSession.send does once it may send
  box.endRead();
  return bytes();
}

function viaReply(value: unknown, jsonBigInt: boolean): Buffer {
  const { outbox: box, bytes } = outbox(jsonBigInt);
  const ctx = new WsMessageContext({} as WebSocket, false, Buffer.from('"in"'), false, false, limits(jsonBigInt));
  ctx.reply = value;
  box.inRead = true;
  sendReply(ctx, box, true);
  box.endRead();
  return bytes();
}

function viaPublish(value: unknown, jsonBigInt: boolean): Buffer {
  const hub = new WsHub();
  const frames: Buffer[] = [];
  const session = { sendFrame: (frame: Buffer) => (frames.push(frame), true) };
  hub.addConnection(session as unknown as WsSession, limits(jsonBigInt));
  hub.topicsIndex.add('t', session as unknown as WebSocket);
  hub.publish('t', value);
  return Buffer.concat(frames);
}

const values: Array<[string, unknown]> = [
  ['a string', 'hello'],
  ['an empty string', ''],
  ['a non-ASCII string', 'héllo ✓ 😀'],
  ['a string over 125 bytes', 'x'.repeat(300)],
  ['a string over 64 KiB', 'y'.repeat(70_000)],
  ['a Buffer', Buffer.from([0, 1, 2, 255])],
  ['a Uint8Array view', new Uint8Array([9, 8, 7, 6, 5]).subarray(1, 4)],
  ['an ArrayBuffer', new Uint8Array([1, 2, 3]).buffer],
  ['a binary over 16 KiB', Buffer.alloc(20_000, 7)],
  ['an object', { a: 1, b: [true, null, 'x'] }],
  ['an array', [1, 2, 3]],
  ['a number', 42.5],
  ['a Float32Array (JSON, not binary)', new Float32Array([1.5])],
];

describe.each([false, true])('jsonBigInt %s', (jsonBigInt) => {
  test.each(values)('%s: send, reply and publish give the same frame', (_name, value) => {
    const sent = viaSend(value, jsonBigInt);
    expect(sent.length).toBeGreaterThan(1);
    expect(viaReply(value, jsonBigInt).equals(sent)).toBe(true);
    expect(viaPublish(value, jsonBigInt).equals(sent)).toBe(true);
    expect(frameValue(value, jsonBigInt).equals(sent)).toBe(true);
  });
});

test('null: JSON null for send and publish (a null reply means no reply)', () => {
  const sent = viaSend(null, false);
  expect(sent.subarray(2).toString()).toBe('null');
  expect(viaPublish(null, false).equals(sent)).toBe(true);
});

test('a BigInt with jsonBigInt: written exactly, the same frame three ways', () => {
  const value = { id: 12345678901234567890n, small: 1n };
  const sent = viaSend(value, true);
  expect(sent.subarray(2).toString()).toBe('{"id":12345678901234567890,"small":1}');
  expect(viaReply(value, true).equals(sent)).toBe(true);
  expect(viaPublish(value, true).equals(sent)).toBe(true);
});

test('a BigInt without jsonBigInt: a TypeError three ways, nothing written', () => {
  const value = { id: 1n };
  expect(() => viaSend(value, false)).toThrow(TypeError);
  expect(() => viaReply(value, false)).toThrow(TypeError);
  expect(() => viaPublish(value, false)).toThrow(TypeError);
});

test('undefined, a function, a symbol: a TypeError three ways', () => {
  for (const value of [undefined, () => 1, Symbol('s')]) {
    expect(() => viaSend(value, false)).toThrow(TypeError);
    expect(() => viaPublish(value, false)).toThrow(TypeError);
  }
});
