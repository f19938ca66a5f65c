// The HTTP/2 sessions of one server: each is closed (GOAWAY) after keepAliveTimeout with no stream open,
// and one whose client resets streams faster than any real client would is closed with GOAWAY
// ENHANCE_YOUR_CALM. That is the "rapid reset" attack (CVE-2023-44487): HEADERS then RST_STREAM at once,
// over and over, so the server starts work for streams that never count against maxConcurrentStreams.
// nghttp2 in recent Node lines rate-limits resets too; this bound does not depend on the Node line.
import * as http2 from 'node:http2';

const { NGHTTP2_NO_ERROR, NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;

/** Streams a session may see reset (RST_STREAM with an error code), per RESET_WINDOW_MS. */
export const RESET_BUDGET = 200;
export const RESET_WINDOW_MS = 10_000;

class SessionState {
  open = 0;
  idle: NodeJS.Timeout | undefined;
  resets = 0;
  windowStart = 0;
}

export class Http2Sessions {
  private readonly sessions = new Map<http2.ServerHttp2Session, SessionState>();
  private closing = false;

  /** `idleTimeout`: ms without an open stream before a session is closed; 0 = never. */
  constructor(private readonly idleTimeout: number) {}

  get size(): number {
    return this.sessions.size;
  }

  add(session: http2.ServerHttp2Session): void {
    const state = new SessionState();
    this.sessions.set(session, state);
    // An error here is the session's end (a protocol error, a reset socket): node:http2 destroys it.
    session.on('error', ignore);
    session.once('close', () => {
      if (state.idle !== undefined) clearTimeout(state.idle);
      this.sessions.delete(session);
    });
    if (this.closing) session.close();
    else this.armIdle(session, state);
  }

  /** A new stream on `session`: it is busy until the stream closes. */
  opened(stream: http2.ServerHttp2Stream): void {
    const session = stream.session as http2.ServerHttp2Session | undefined;
    const state = session === undefined ? undefined : this.sessions.get(session);
    if (session === undefined || state === undefined) return;
    state.open++;
    if (state.idle !== undefined) {
      clearTimeout(state.idle);
      state.idle = undefined;
    }
    stream.once('close', () => {
      state.open--;
      // Any code but NO_ERROR: almost always the client's RST_STREAM (krozen resets only a failed response).
      if (stream.rstCode !== NGHTTP2_NO_ERROR && this.tooManyResets(state)) {
        // GOAWAY ENHANCE_YOUR_CALM, then the socket closes: the other clients are not held up by this one.
        if (!session.destroyed && !session.closed) {
          session.goaway(NGHTTP2_ENHANCE_YOUR_CALM);
          // destroy() would send a GOAWAY of its own (NO_ERROR) first: the frame above goes out before.
          setImmediate(() => session.destroy());
        }
        return;
      }
      if (state.open === 0 && !session.closed) this.armIdle(session, state);
    });
  }

  /** Graceful stop: GOAWAY to every session; each closes once its open streams have ended. */
  closeAll(): void {
    this.closing = true;
    for (const session of this.sessions.keys()) if (!session.closed) session.close();
  }

  destroyAll(): void {
    for (const session of this.sessions.keys()) session.destroy();
  }

  private armIdle(session: http2.ServerHttp2Session, state: SessionState): void {
    if (this.idleTimeout === 0) return;
    state.idle = setTimeout(() => {
      state.idle = undefined;
      if (state.open === 0 && !session.closed) session.close();
    }, this.idleTimeout);
    state.idle.unref();
  }

  private tooManyResets(state: SessionState): boolean {
    const now = Date.now();
    if (now - state.windowStart > RESET_WINDOW_MS) {
      state.windowStart = now;
      state.resets = 0;
    }
    return ++state.resets > RESET_BUDGET;
  }
}

function ignore(): void {}
