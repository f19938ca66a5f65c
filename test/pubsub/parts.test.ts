// The pub/sub parts on their own: the topic index's watcher, payload encoding, the Redis envelope and the
// gap counter.
import { Topics } from '../../lib/pubsub/topics';
import { encodePayload } from '../../lib/pubsub/payload';
import { ENVELOPE_BYTES, EnvelopeWriter, GapCounter, openEnvelope } from '../../lib/pubsub/envelope';

test("the watcher hears a topic's first subscriber and the loss of its last, once each", () => {
  const topics = new Topics<string>();
  const heard: Array<[string, boolean]> = [];
  topics.watch((topic, active) => heard.push([topic, active]));
  topics.add('a', 'x');
  topics.add('a', 'y');
  topics.add('a', 'y');
  topics.remove('a', 'x');
  topics.remove('a', 'nobody');
  expect(heard).toEqual([['a', true]]);
  topics.remove('a', 'y');
  topics.remove('a', 'y');
  expect(heard).toEqual([
    ['a', true],
    ['a', false],
  ]);
  expect(topics.size).toBe(0);
  topics.watch(null);
  topics.add('b', 'x');
  expect(heard.length).toBe(2);
  expect(topics.names()).toEqual(['b']);
});

test('payloads: string → UTF-8 text, bytes → binary, other values → JSON text, behind the headroom', () => {
  const text = encodePayload('hé', 16);
  expect(text.binary).toBe(false);
  expect(text.buf.subarray(16).toString()).toBe('hé');
  const bytes = encodePayload(new Uint8Array([1, 2, 3]), 16);
  expect(bytes.binary).toBe(true);
  expect([...bytes.buf.subarray(16)]).toEqual([1, 2, 3]);
  const ab = encodePayload(new Uint8Array([9, 8]).buffer, 0);
  expect(ab.binary).toBe(true);
  expect([...ab.buf]).toEqual([9, 8]);
  const json = encodePayload({ a: [1, 'ü'] }, 4);
  expect(json.binary).toBe(false);
  expect(json.buf.subarray(4).toString()).toBe('{"a":[1,"ü"]}');
  expect(() => encodePayload(undefined, 0)).toThrow(TypeError);
  expect(() => encodePayload(() => 1, 0)).toThrow(TypeError);
});

test('envelope: sealed and opened again; numbers count per topic from 1; short or foreign bytes are refused', () => {
  const writer = new EnvelopeWriter();
  const make = (topic: string, binary: boolean, payload: string) => {
    const buf = Buffer.concat([Buffer.alloc(ENVELOPE_BYTES), Buffer.from(payload)]);
    writer.seal(topic, binary, buf);
    return openEnvelope(buf)!;
  };
  const first = make('t', true, 'abc');
  expect(first).toEqual(expect.objectContaining({ binary: true, sequence: 1, origin: writer.originKey }));
  expect(first.payload.toString()).toBe('abc');
  expect(make('t', false, '').sequence).toBe(2);
  expect(make('other', false, 'x').sequence).toBe(1);
  expect(new EnvelopeWriter().originKey).not.toBe(writer.originKey);
  expect(openEnvelope(Buffer.alloc(15, 1))).toBeNull();
  expect(openEnvelope(Buffer.from('a plain string that is long enough'))).toBeNull();
});

test('gap counter: a jump forward counts the skipped numbers; a restart or a new origin counts nothing', () => {
  const gaps = new GapCounter();
  expect(gaps.see('t', 'A', 1)).toBe(0);
  expect(gaps.see('t', 'A', 2)).toBe(0);
  expect(gaps.see('t', 'A', 5)).toBe(2);
  expect(gaps.see('t', 'B', 40)).toBe(0);
  expect(gaps.see('t', 'A', 1)).toBe(0); // the publisher's numbers restarted
  expect(gaps.see('u', 'A', 9)).toBe(0); // per topic
  gaps.forget('t');
  expect(gaps.see('t', 'A', 10)).toBe(0);
});
