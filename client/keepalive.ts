type Timer = ReturnType<typeof setTimeout>;

/**
 * Application-level keep-alive: browsers cannot send or see WebSocket pings, so the client sends `["ping"]`
 * and calls a connection dead when nothing (a `["pong"]` or any message) arrives within `timeout` after it.
 */
export class Keepalive {
  private every: Timer | undefined;
  private deadline: Timer | undefined;
  constructor(
    private readonly interval: number,
    private readonly timeout: number,
  ) {}

  start(ping: () => void, dead: () => void): void {
    this.stop();
    if (this.interval <= 0) return;
    this.every = setInterval(() => {
      ping();
      this.deadline ??= setTimeout(dead, this.timeout);
    }, this.interval);
  }

  /** Something arrived: the connection lives. */
  alive(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  stop(): void {
    clearInterval(this.every);
    this.alive();
  }
}
