// The close handshake (RFC 6455 §5.5.1, §7.1): one close frame each way, then TCP ends; a peer that never
// answers (or never ends TCP) is cut after closeTimeout. It also remembers the code and reason the
// connection reports: the peer's, else the one the server closed with, else 1006 (no close frame).
import type { WsSocket } from './session-socket';
import { CloseCode } from './close-codes';
import { Length } from './frame';
import type { Outbox } from './outbox';
import { closeAnswer, frameClose } from './sender';
import { deadlineList, type Deadline, type DeadlineList } from './close-deadlines';

export class CloseHandshake implements Deadline {
  /** Our close frame is queued: nothing else is sent. */
  sent = false;
  /** The peer's close frame arrived. */
  received = false;
  code: number = CloseCode.ABNORMAL;
  reason = '';
  // Its place in the close deadlines (close-deadlines.ts) once our close is sent or TCP ended; deadline 0:
  // never listed yet, -1: the socket closed (never again).
  deadline = 0;
  prev: Deadline | null = null;
  next: Deadline | null = null;
  list: DeadlineList | null = null;

  constructor(
    private readonly socket: WsSocket,
    private readonly outbox: Outbox,
    private readonly timeout: number,
  ) {}

  /** The peer's close frame (handled after every message before it): its code and reason are reported. */
  peerClosed(code: number, reason: string): void {
    this.code = code;
    this.reason = reason;
  }

  /** Answers the peer's close with its own code (an empty close with an empty one), then ends TCP. */
  answer(code: number): void {
    this.received = true;
    if (!this.sent) {
      this.sent = true;
      this.outbox.sendControl(closeAnswer(code === CloseCode.NO_STATUS ? undefined : code));
    }
    // endSocket() starts the deadline itself when the connection cannot close at once.
    if (this.outbox.idle) this.endSocket();
    else this.startTimer();
  }

  /** Sends our close; `endNow` (a failure, §7.1.7) ends TCP without waiting for the peer's answer. */
  send(code: number, reason: string, endNow: boolean): void {
    if (!this.sent) {
      this.sent = true;
      this.outbox.sendControl(frameClose(code, reason.length > Length.MAX_CLOSE_REASON ? '' : reason));
      this.startTimer();
      if (this.code === CloseCode.ABNORMAL && !this.received) {
        this.code = code;
        this.reason = reason;
      }
    }
    if ((endNow || this.received) && this.outbox.idle) this.endSocket();
  }

  /** The outbox's compression queue emptied: a finished handshake may end TCP now. */
  outboxDrained(): void {
    if (this.sent && this.received) this.endSocket();
  }

  /** Ends our side of TCP (after what is batched); the peer gets closeTimeout to end its side. */
  endSocket(): void {
    // Both close frames have crossed: nothing more comes from the peer, and the server closes the connection
    // at once (RFC 6455 §7.1.1) where it can — no FIN, then a wait for the peer's, then the close.
    if (this.sent && this.received && this.outbox.closeNow()) return;
    this.outbox.end();
    this.startTimer();
  }

  /** The socket closed. */
  done(): void {
    if (this.list !== null) this.list.remove(this);
    this.deadline = -1;
  }

  /** closeTimeout passed: the peer is cut. */
  expire(): void {
    this.socket.destroy();
  }

  private startTimer(): void {
    if (this.deadline === 0) deadlineList(this.timeout).add(this);
  }
}
