// Listeners krozen attaches to Node's servers and sockets run inside Node's own event emission: a throw
// there is an uncaught exception and ends the process (a remote kill when a client can trigger it).
// Each such listener catches what it did not expect, destroys only the socket it was serving, and reports
// the fault here. The first fault of each listener is logged with its stack; later ones of the same
// listener at most once per LOG_INTERVAL_MS with a count, so a client that repeats a fault cannot flood
// the log.
import { logError, fallbackLogger } from './logger';

/** Something a fault can be contained to. */
interface Destroyable {
  destroy(err?: Error): unknown;
}

const LOG_INTERVAL_MS = 10_000;

interface FaultLog {
  count: number;
  unlogged: number;
  lastLogged: number;
}

const faults = new Map<string, FaultLog>();

/**
 * Reports a fault in listener `where` and destroys `socket` (when given and not yet destroyed).
 * Never throws.
 */
export function listenerFault(where: string, err: unknown, socket?: Destroyable | null): void {
  try {
    if (socket !== null && socket !== undefined && (socket as { destroyed?: boolean }).destroyed !== true)
      socket.destroy();
  } catch {
    // A socket that cannot even be destroyed: nothing more to do for it.
  }
  try {
    let log = faults.get(where);
    if (log === undefined) {
      log = { count: 0, unlogged: 0, lastLogged: 0 };
      faults.set(where, log);
    }
    log.count++;
    const now = Date.now();
    if (log.count > 1 && now - log.lastLogged < LOG_INTERVAL_MS) {
      log.unlogged++;
      return;
    }
    const repeated = log.unlogged > 0 ? ` (${log.unlogged} more since the last report)` : '';
    log.unlogged = 0;
    log.lastLogged = now;
    logError(fallbackLogger(), `internal error in the ${where} listener; that connection was closed${repeated}`, err);
  } catch {
    // Logging must not throw into Node either.
  }
}

/** How many faults each listener had since the process started (tests and diagnostics). */
export function listenerFaultCounts(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [where, log] of faults) out[where] = log.count;
  return out;
}
