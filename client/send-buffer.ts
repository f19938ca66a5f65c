import { RealtimeError } from './errors';

/** One message waiting for a connection; `fail` tells its caller it will never be sent. */
export interface Buffered {
  /** The frame to write, built when it is written (a request takes its ref then); null: nothing to send now. */
  frame: () => unknown[] | null;
  fail?: (err: unknown) => void;
}

/** Sends made while offline, bounded so a long outage cannot grow memory without end. */
export class SendBuffer {
  private items: Buffered[] = [];
  constructor(readonly max: number) {}

  get size(): number {
    return this.items.length;
  }

  /** False when full: the caller rejects with `limit`. */
  push(item: Buffered): boolean {
    if (this.items.length >= this.max) return false;
    this.items.push(item);
    return true;
  }

  /** Everything, oldest first, and empty. */
  drain(): Buffered[] {
    const items = this.items;
    this.items = [];
    return items;
  }

  failAll(err: RealtimeError): void {
    for (const item of this.drain()) item.fail?.(err);
  }
}
