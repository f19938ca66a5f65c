// The deadlines of close handshakes waiting on their peer (close-handshake.ts): one list per timeout value,
// which keeps it in deadline order, and one timer per list, instead of a setTimeout made and cleared in every
// close handshake (a Timeout object, a timer-list insert and an unenroll per connection's life: ~5% of a
// handshake's instructions). Entries are linked through themselves: adding and removing allocate nothing.
import { performance } from 'node:perf_hooks';
import { listenerFault } from '../base/listener-guard';

/** What waits in a list: linked in place, `expire()` when its deadline passes while still listed. */
export interface Deadline {
  /** performance.now() past which expire() runs. */
  deadline: number;
  prev: Deadline | null;
  next: Deadline | null;
  /** The list it is in, or null. */
  list: DeadlineList | null;
  expire(): void;
}

export class DeadlineList {
  private head: Deadline | null = null;
  private tail: Deadline | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly ms: number) {}

  /** Lists `item` to expire `ms` from now (an item listed already keeps its place). */
  add(item: Deadline): void {
    if (item.list !== null) return;
    item.deadline = performance.now() + this.ms;
    item.list = this;
    item.prev = this.tail;
    item.next = null;
    if (this.tail === null) this.head = item;
    else this.tail.next = item;
    this.tail = item;
    // A timer still pending fires no later than this deadline (every earlier entry's is earlier).
    if (this.timer === null) this.arm(this.ms);
  }

  /** Takes `item` off the list (its connection closed in time); nothing if it is not listed here. */
  remove(item: Deadline): void {
    if (item.list !== this) return;
    if (item.prev === null) this.head = item.next;
    else item.prev.next = item.next;
    if (item.next === null) this.tail = item.prev;
    else item.next.prev = item.prev;
    item.prev = null;
    item.next = null;
    item.list = null;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(expireDue, ms, this);
    this.timer.unref(); // a closing connection alone does not keep the process up
  }

  /** @internal The timer: expires what is due, then waits for the next deadline (none listed: no timer). */
  expireDue(): void {
    this.timer = null;
    const now = performance.now();
    let item = this.head;
    while (item !== null && item.deadline <= now) {
      this.remove(item);
      try {
        item.expire();
      } catch (err) {
        // A timer callback: a throw would end the process; the other entries still expire.
        listenerFault('WebSocket close timeout', err);
      }
      item = this.head;
    }
    if (item !== null) this.arm(Math.max(1, Math.ceil(item.deadline - now)));
  }
}

function expireDue(list: DeadlineList): void {
  list.expireDue();
}

const lists = new Map<number, DeadlineList>();

/** The process's list for `ms` (a handful of values: one per configured close timeout). */
export function deadlineList(ms: number): DeadlineList {
  let list = lists.get(ms);
  if (list === undefined) {
    list = new DeadlineList(ms);
    lists.set(ms, list);
  }
  return list;
}
