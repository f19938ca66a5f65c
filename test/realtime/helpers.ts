// A krozen.v1 peer spoken by hand: a real `ws` client offering the subprotocol, raw JSON arrays both ways, so
// these tests pin the wire format of docs/realtime-protocol.md.
import WsClient from 'ws';
import { Inbox } from '../ws/helpers';

export class Peer {
  readonly inbox: Inbox;
  constructor(readonly ws: WsClient) {
    this.inbox = new Inbox(ws);
  }

  send(message: unknown[]): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The next message, parsed. */
  async next(timeoutMs = 3000): Promise<unknown[]> {
    return (await this.inbox.json(timeoutMs)) as unknown[];
  }

  /** Sends `message` and waits for the answer with its ref (messages before it are kept in `skipped`). */
  async ask(message: unknown[], skipped: unknown[][] = []): Promise<unknown[]> {
    this.send(message);
    for (;;) {
      const m = await this.next();
      if ((m[0] === 'ok' || m[0] === 'err') && m[1] === message[1]) return m;
      skipped.push(m);
    }
  }

  /** Nothing arrives within `ms`. */
  async silent(ms = 100): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.inbox.length === 0;
  }

  close(): void {
    this.ws.close();
  }
}

/** A connected peer (its inbox listens before the handshake ends, so nothing sent on open is missed). */
export async function connect(url: string, protocols: string[] = ['krozen.v1']): Promise<Peer> {
  const peer = new Peer(new WsClient(url, protocols));
  await new Promise<void>((resolve, reject) => {
    peer.ws.once('open', () => resolve());
    peer.ws.once('error', reject);
  });
  return peer;
}

/** The handshake's refusal: the status and body of the HTTP answer. */
export function refusal(url: string, protocols: string[] = []): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WsClient(url, protocols);
    ws.once('open', () => reject(new Error('the handshake was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', () => undefined);
  });
}
