// Who wants to know how an upgrade was answered (tracing's span per WebSocket upgrade): a callback left on
// the socket under a symbol, called once with the status (101, or the refusal's). Nothing is left on a
// socket unless tracing is on, so the upgrade path pays one property read.
import type { Duplex } from 'node:stream';

const kUpgradeWatch = Symbol('krozen.upgradeWatch');
type Watched = Duplex & { [kUpgradeWatch]?: (status: number) => void };

/** Calls `fn(status)` once the upgrade on `socket` is answered. */
export function watchUpgrade(socket: Duplex, fn: (status: number) => void): void {
  (socket as Watched)[kUpgradeWatch] = fn;
}

/** The upgrade on `socket` was answered with `status`. */
export function upgradeAnswered(socket: Duplex, status: number): void {
  const fn = (socket as Watched)[kUpgradeWatch];
  if (fn === undefined) return;
  (socket as Watched)[kUpgradeWatch] = undefined;
  fn(status);
}
