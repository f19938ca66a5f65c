// settings.wsMaxMessagesPerSecond: a token bucket per connection, made only when the limit is set. It holds
// one second's worth of messages (a burst up to the limit is fine) and refills continuously; a message that
// finds it empty closes the connection with 1008. Two numbers and a Date.now() per message.
export class MessageRate {
  private tokens: number;
  private last = Date.now();

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  /** Counts one message: false when it is over the rate. */
  take(): boolean {
    const now = Date.now();
    if (now > this.last) {
      this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) * this.perSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
