// PLACEHOLDER written by the HTTP-core engineer so the server compiles before the WebSocket work lands;
// the WebSocket engineer replaces this file. It refuses every upgrade.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Hooks } from '../hooks';
import type { Settings } from '../settings';

export class WsHub {
  constructor(readonly host: { hooks: Hooks; settings: Settings }) {}

  get size(): number {
    return 0;
  }

  handleUpgrade(_req: IncomingMessage, socket: Duplex, _head: Buffer): void {
    socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }

  publish(_topic: string, _value: unknown): number {
    return 0;
  }

  async closeAll(_code = 1001, _reason?: string): Promise<void> {}
}
