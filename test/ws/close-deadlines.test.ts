// The close handshakes' deadlines (lib/ws/close-deadlines.ts): one timer per timeout value, entries linked in
// place. An entry expires once its time has passed and not before; one taken off in time never does; entries
// added later expire later; a failing expire() does not stop the others.
import { DeadlineList, deadlineList, type Deadline } from '../../lib/ws/close-deadlines';

function entry(log: string[], name: string, fail = false): Deadline {
  return {
    deadline: 0,
    prev: null,
    next: null,
    list: null,
    expire(): void {
      log.push(name);
      if (fail) throw new Error(`${name} failed`);
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('entries expire after the timeout, in order; one removed in time never does', async () => {
  const log: string[] = [];
  const at = new Map<string, number>();
  const timed = (name: string): Deadline => {
    const e = entry(log, name);
    const expire = e.expire;
    e.expire = (): void => {
      at.set(name, performance.now());
      expire();
    };
    return e;
  };
  const list = new DeadlineList(60);
  const a = timed('a');
  const b = timed('b');
  const c = timed('c');
  const started = performance.now();
  list.add(a);
  list.add(b);
  list.add(b); // listed already: keeps its place
  await sleep(30);
  const cAdded = performance.now();
  list.add(c);
  list.remove(b);
  list.remove(b); // not listed any more: nothing
  expect(b.list).toBeNull();
  await sleep(150);
  expect(log).toEqual(['a', 'c']);
  expect((at.get('a') as number) - started).toBeGreaterThanOrEqual(59);
  expect((at.get('c') as number) - cAdded).toBeGreaterThanOrEqual(59);
  expect(a.list).toBeNull();
  expect(c.list).toBeNull();
});

test('a failing expire() is contained; the next entry still expires', async () => {
  const log: string[] = [];
  const list = new DeadlineList(20);
  list.add(entry(log, 'x', true));
  list.add(entry(log, 'y'));
  await sleep(60);
  expect(log).toEqual(['x', 'y']);
});

test('the list is emptied by removals before the timer: nothing expires, and the list is reused after', async () => {
  const log: string[] = [];
  const list = new DeadlineList(20);
  const a = entry(log, 'a');
  list.add(a);
  list.remove(a);
  await sleep(40);
  expect(log).toEqual([]);
  const b = entry(log, 'b');
  list.add(b);
  await sleep(40);
  expect(log).toEqual(['b']);
});

test('one list per timeout value', () => {
  expect(deadlineList(1234)).toBe(deadlineList(1234));
  expect(deadlineList(1234)).not.toBe(deadlineList(1235));
  expect(deadlineList(1234).ms).toBe(1234);
});
