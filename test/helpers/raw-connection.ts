// One raw TCP connection to a test server, driven step by step: send bytes, wait for one whole HTTP
// response (Content-Length bodies), half-close, wait for the server to close. For sequences on one
// kept-alive connection that fetch and node:http cannot express (a good request, then a malformed one).
import * as net from 'node:net';
import { parseResponses, type ParsedResponse } from './server';
import { connectRaw, READY_EVENT } from './tls-lane';

export class RawConnection {
  private readonly socket: net.Socket;
  private buffered = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  /** Resolves when the server closed (or reset) the connection. */
  readonly closed: Promise<void>;
  isClosed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connectRaw(port);
      socket.once(READY_EVENT, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends FIN (the client is done writing). */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** The next whole response; null when the connection closed first. Times out after `ms`. */
  async response(ms = 5000): Promise<ParsedResponse | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      const parsed = this.takeResponse();
      if (parsed !== null) return parsed;
      if (this.isClosed) return null;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no response within ${ms} ms; got: ${JSON.stringify(this.buffered.toString('latin1'))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Everything received and not yet taken as a response. */
  get rest(): string {
    return this.buffered.toString('latin1');
  }

  private takeResponse(): ParsedResponse | null {
    const raw = this.buffered.toString('latin1');
    const end = raw.indexOf('\r\n\r\n');
    if (end === -1) return null;
    const match = /\r\ncontent-length:\s*(\d+)/i.exec(raw.slice(0, end + 2));
    const length = match === null ? 0 : Number(match[1]);
    if (this.buffered.length < end + 4 + length) return null;
    const [res] = parseResponses(raw.slice(0, end + 4 + length));
    this.buffered = this.buffered.subarray(end + 4 + length);
    return res;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
