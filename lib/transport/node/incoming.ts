// The node:http transport's IncomingMessage: only a WebSocket upgrade leaves the request pipeline
// (upgrade-rule.ts). node:http hands every `Connection: upgrade` request to the server's 'upgrade' listener
// when one exists (curl --http2's `Upgrade: h2c` on a normal route got 404 from the WebSocket layer), and
// Node 20 has no shouldUpgradeCallback (later lines added one; this works on all). It decides by reading `req.upgrade` right after
// the head is parsed, so this class answers that read: true only for CONNECT or a websocket upgrade. Any
// other is then served by its route, body included (node:http parses it as for any request).
// llhttp itself stops after such a message (it took it as an upgrade): requestEndsConnection() tells the
// transport to close the connection after the answer, since nothing behind it would be parsed.
import * as http from 'node:http';
import { asksForWebSocket } from '../upgrade-rule';

const kAsked = Symbol('krozen.upgradeAsked');

export class NodeIncomingMessage extends http.IncomingMessage {
  // No initializer: node:http's constructor and parser write `upgrade` through the accessor below.
  declare [kAsked]: boolean | null | undefined;

  /** node:http sets this from the parser, then reads it back with the headers in place. */
  get upgrade(): boolean {
    if (this[kAsked] !== true) return false;
    return this.method === 'CONNECT' || asksForWebSocket(this.headers);
  }

  set upgrade(value: boolean | null) {
    this[kAsked] = value;
  }
}

/** True for a request that asked for an upgrade krozen does not take: its connection ends after the answer. */
export function requestEndsConnection(req: http.IncomingMessage): boolean {
  return req instanceof NodeIncomingMessage && req[kAsked] === true && !req.upgrade;
}
