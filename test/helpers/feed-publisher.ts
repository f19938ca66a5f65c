// The publisher of the recovery tests: a krozen app in the test process on the same Redis as the servers,
// declaring `feed` a recovery topic (so its publishes go through the stream: XADD + PUBLISH with the id), that
// publishes 1, 2, 3… on `feed` at a steady rate up to a total.
import { startWs, type RunningWs } from '../ws/helpers';

export interface FeedPublisher {
  readonly app: RunningWs['app'];
  /** The last number published. */
  readonly sent: number;
  /** Publishes the next numbers, one every `everyMs`, until `total` have been published. */
  run(total: number, everyMs: number): void;
  /** Resolves once `n` numbers have been published (bounded by `ms`). */
  reached(n: number, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

export async function startFeedPublisher(
  redisUrl: string,
  redisPrefix: string,
  recoveryMax = 1000,
): Promise<FeedPublisher> {
  const srv = await startWs((app) => void app.realtime('/rt', { recovery: ['feed'] }), {
    redisUrl,
    redisPrefix,
    recoveryMaxMessages: recoveryMax,
    logger: quiet,
  });
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  return {
    app: srv.app,
    get sent() {
      return sent;
    },
    run(total, everyMs) {
      clearInterval(timer);
      timer = setInterval(() => {
        if (sent >= total) return clearInterval(timer);
        srv.app.publish('feed', ++sent);
      }, everyMs);
    },
    async reached(n, ms = 10_000) {
      const end = Date.now() + ms;
      while (sent < n) {
        if (Date.now() > end) throw new Error(`the publisher reached ${sent}, not ${n}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async stop() {
      clearInterval(timer);
      await srv.stop();
    },
  };
}
