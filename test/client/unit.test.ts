// Unit tests of krozen/client's parts: full-jitter backoff, the send buffer's bound, the request table,
// recovery ids and the subscriptions' duplicate filter.
import { backoffDelay, backoffOptions } from '../../client/backoff';
import { RealtimeError } from '../../client/errors';
import { compareIds } from '../../client/message-ids';
import { RequestTable } from '../../client/requests';
import { SendBuffer } from '../../client/send-buffer';
import { Subscriptions } from '../../client/subscriptions';

describe('backoff: full jitter', () => {
  const b = backoffOptions({ initialDelay: 500, maxDelay: 10_000, factor: 2 });

  test('delay = random × min(maxDelay, initialDelay × factor^attempt)', () => {
    expect(backoffDelay(0, b, () => 0)).toBe(0);
    expect(backoffDelay(0, b, () => 0.5)).toBe(250);
    expect(backoffDelay(0, b, () => 0.999999)).toBe(499);
    expect(backoffDelay(3, b, () => 0.5)).toBe(2000); // 500 × 2³ = 4000
    expect(backoffDelay(5, b, () => 0.999999)).toBe(9999); // 16000, capped at 10000
    expect(backoffDelay(50, b, () => 0.5)).toBe(5000);
  });

  test('seeded random: every delay inside [0, bound), spread over the whole range', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let attempt = 0; attempt < 10; attempt++) {
      const bound = Math.min(10_000, 500 * 2 ** attempt);
      const delays = Array.from({ length: 2000 }, () => backoffDelay(attempt, b, random));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(bound);
      expect(Math.min(...delays)).toBeLessThan(bound * 0.05); // full jitter: near 0 happens
      expect(Math.max(...delays)).toBeGreaterThan(bound * 0.95);
    }
  });

  test('defaults', () => {
    expect(backoffOptions()).toEqual({ initialDelay: 500, maxDelay: 10_000, factor: 2, maxAttempts: Infinity });
  });
});

test('send buffer: holds up to its bound, then refuses; failAll tells every caller', () => {
  const buffer = new SendBuffer(2);
  const failed: unknown[] = [];
  const item = { frame: () => ['evt', 'x', 1], fail: (e: unknown) => failed.push(e) };
  expect(buffer.push(item)).toBe(true);
  expect(buffer.push(item)).toBe(true);
  expect(buffer.push(item)).toBe(false);
  expect(buffer.size).toBe(2);
  buffer.failAll(new RealtimeError('closed', 'gone'));
  expect(failed).toHaveLength(2);
  expect(buffer.size).toBe(0);
  expect(buffer.push(item)).toBe(true);
});

test('request table: refs are unique; ok, err with its code, late answers ignored, rejectAll', async () => {
  const table = new RequestTable();
  const a = table.open();
  const b = table.open();
  const c = table.open();
  expect(new Set([a.ref, b.ref, c.ref]).size).toBe(3);
  expect(table.settle(a.ref, true, { x: 1 })).toBe(true);
  await expect(a.promise).resolves.toEqual({ x: 1 });
  expect(table.settle(a.ref, true, 2)).toBe(false);
  table.settle(b.ref, false, 'forbidden', 'no');
  await expect(b.promise).rejects.toMatchObject({ code: 'forbidden', message: 'no' });
  table.rejectAll(new RealtimeError('closed', 'gone'));
  await expect(c.promise).rejects.toMatchObject({ code: 'closed' });
  expect(table.size).toBe(0);
});

test('recovery ids compare as (ms, seq) numbers, not strings', () => {
  expect(compareIds('9-0', '10-0')).toBeLessThan(0);
  expect(compareIds('10-2', '10-10')).toBeLessThan(0);
  expect(compareIds('10-10', '10-10')).toBe(0);
  expect(compareIds('11-0', '10-99')).toBeGreaterThan(0);
  expect(compareIds('x', '10-0')).toBeNull();
});

describe('subscriptions', () => {
  test('an m whose id is not newer than the last one seen never reaches the handler', () => {
    const subs = new Subscriptions(() => {});
    const seen: unknown[] = [];
    subs.add('t', (data) => seen.push(data));
    for (const [data, id] of [
      [1, '5-0'],
      [2, '5-1'],
      [1, '5-0'],
      [2, '5-1'],
      [3, '6-0'],
      [3, '6-0'],
      [0, '4-9'],
    ] as const)
      subs.message('t', data, id);
    expect(seen).toEqual([1, 2, 3]);
    expect(subs.resubscribing('t')).toBe('6-0');
  });

  test("the sub answer's last is the next after when no message came; lost forgets the last id", () => {
    const subs = new Subscriptions(() => {});
    const seen: unknown[] = [];
    subs.add('t', (data) => seen.push(data));
    subs.subscribed('t', { last: '100-3', recovered: 0 });
    expect(subs.resubscribing('t')).toBe('100-3');
    subs.message('t', 'old', '100-3');
    expect(seen).toEqual([]);
    subs.lost('t');
    subs.message('t', 'new history', '1-0'); // a restarted server's ids start again
    expect(seen).toEqual(['new history']);
  });

  test('a throwing handler is reported and the others still run', () => {
    const errors: unknown[] = [];
    const subs = new Subscriptions((e) => errors.push(e));
    const seen: unknown[] = [];
    subs.add('t', () => {
      throw new Error('boom');
    });
    subs.add('t', (d) => seen.push(d));
    subs.message('t', 1, undefined);
    expect(seen).toEqual([1]);
    expect(errors).toHaveLength(1);
  });
});
