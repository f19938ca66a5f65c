// The in-memory history's bounds (count, age, bytes over all topics) and ids, on a fake clock.
import { MemoryHistory } from '../../lib/pubsub/history-memory';

const bytes = (n: number): Buffer => Buffer.alloc(n, 0x31);

function store(maxMessages = 100, maxAge = 1000, maxBytes = 1000): { h: MemoryHistory; clock: { now: number } } {
  const clock = { now: 5000 };
  return { h: new MemoryHistory({ maxMessages, maxAge, maxBytes }, () => clock.now), clock };
}

test('ids are "<epoch>-<n>" per topic; since() returns what follows, complete', () => {
  const { h } = store();
  expect(h.append('a', bytes(1))).toBe('5000-1');
  expect(h.append('a', bytes(1))).toBe('5000-2');
  expect(h.append('b', bytes(1))).toBe('5000-1');
  expect(h.last('a')).toBe('5000-2');
  expect(h.last('none')).toBeNull();
  expect(h.since('a', '5000-1')).toEqual({ entries: [{ id: '5000-2', payload: bytes(1) }], complete: true });
  expect(h.since('a', '5000-2')).toEqual({ entries: [], complete: true });
  expect(h.since('a', '5000-0').entries).toHaveLength(2);
});

test('an id of another epoch or from the future is unknown: not complete, no count', () => {
  const { h } = store();
  h.append('a', bytes(1));
  expect(h.since('a', '4000-1')).toEqual({ entries: [], complete: false });
  expect(h.since('a', '5000-7')).toEqual({ entries: [], complete: false });
  expect(h.since('a', 'x')).toEqual({ entries: [], complete: false });
});

test('count: the oldest go; the missed count is exact', () => {
  const { h } = store(3);
  for (let i = 0; i < 6; i++) h.append('a', bytes(1));
  expect(h.since('a', '5000-1')).toMatchObject({ complete: false, missed: 2 });
  expect(h.since('a', '5000-1').entries.map((e) => e.id)).toEqual(['5000-4', '5000-5', '5000-6']);
  expect(h.since('a', '5000-3').complete).toBe(true);
  expect(h.stats()).toMatchObject({ entries: 3, bytes: 3, trimmed: 3 });
});

test('age: entries older than maxAge go', () => {
  const { h, clock } = store(100, 1000);
  h.append('a', bytes(1));
  clock.now += 600;
  h.append('a', bytes(1));
  clock.now += 600;
  expect(h.since('a', '5000-0')).toMatchObject({ complete: false, missed: 1 });
  clock.now += 600;
  expect(h.since('a', '5000-1')).toEqual({ entries: [], complete: false, missed: 1 });
  expect(h.since('a', '5000-2')).toEqual({ entries: [], complete: true });
  expect(h.stats()).toMatchObject({ entries: 0, bytes: 0, trimmed: 2 });
});

test('bytes: over all topics, the oldest anywhere go first', () => {
  const { h } = store(100, 1e9, 100);
  h.append('a', bytes(40));
  h.append('b', bytes(40));
  h.append('a', bytes(40)); // 120 > 100: a's first goes
  expect(h.since('a', '5000-0')).toMatchObject({ complete: false, missed: 1 });
  expect(h.since('b', '5000-0')).toMatchObject({ complete: true });
  h.append('c', bytes(90)); // b's and a's second go
  expect(h.stats()).toMatchObject({ entries: 1, bytes: 90, trimmed: 3 });
  expect(h.since('b', '5000-0')).toMatchObject({ complete: false, missed: 1 });
});
