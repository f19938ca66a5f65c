// WebSocket test helpers: a real krozen Server on 127.0.0.1:0, a raw TCP client with a tiny framer
// (client frames masked, server frames parsed), and small wrappers around the `ws` client.
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import WsClient from 'ws';
import { createApp, type App } from '../../lib/app';
import { Server } from '../../lib/server';
import type { Settings } from '../../lib/settings/index';
import { connectRaw, laneSettings, READY_EVENT, wsBase } from '../helpers/tls-lane';

export interface RunningWs {
  app: App;
  server: Server;
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** createApp(overrides) on port 0 with the global endpoint always on (an echo server with no hooks), `setup(app)` adds hooks, then Server.run(). */
export async function startWs(setup: (app: App) => void, overrides: Partial<Settings> = {}): Promise<RunningWs> {
  const app = createApp({
    port: 0,
    host: '127.0.0.1',
    wsCloseTimeout: 1000,
    shutdownTimeout: 2000,
    wsEndpoint: 'on',
    ...laneSettings(overrides),
  });
  setup(app);
  const server = await new Server(app).run();
  const port = server.port;
  return { app, server, port, url: `${wsBase(port)}/ws`, stop: () => server.stop() };
}

/** The exact echo: text as text, binary as binary. */
export function exactEcho(app: App): void {
  app.on('ws:message', (ctx) => {
    ctx.reply = ctx.raw;
    ctx.stop = true;
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- the raw client -------------------------------------------------------------------------

export interface FrameSpec {
  opcode: number;
  payload?: Buffer | string;
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** Default true: clients must mask. */
  mask?: boolean;
  /** Declared length instead of the payload's (for oversize headers without sending the bytes). */
  declaredLength?: bigint;
}

/** A client frame: header, mask key, masked payload. */
export function encodeFrame(spec: FrameSpec): Buffer {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload) : (spec.payload ?? Buffer.alloc(0));
  const masked = spec.mask !== false;
  const length = spec.declaredLength ?? BigInt(payload.length);
  const b0 =
    ((spec.fin ?? true) ? 0x80 : 0) |
    (spec.rsv1 ? 0x40 : 0) |
    (spec.rsv2 ? 0x20 : 0) |
    (spec.rsv3 ? 0x10 : 0) |
    spec.opcode;
  let header: Buffer;
  if (length < 126n) {
    header = Buffer.from([b0, Number(length)]);
  } else if (length < 65536n) {
    header = Buffer.alloc(4);
    header[0] = b0;
    header[1] = 126;
    header.writeUInt16BE(Number(length), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = b0;
    header[1] = 127;
    header.writeBigUInt64BE(length, 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  header[1] |= 0x80;
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([header, key, body]);
}

export interface Frame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

export interface HandshakeResponse {
  status: number;
  headers: Record<string, string>;
  raw: string;
}

export function handshakeRequest(
  options: { path?: string; key?: string; headers?: Record<string, string | undefined> } = {},
): string {
  const headers: Record<string, string | undefined> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': options.key ?? randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    ...options.headers,
  };
  let out = `GET ${options.path ?? '/ws'} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out += `${name}: ${value}\r\n`;
  return out + '\r\n';
}

/** A raw TCP WebSocket client: every byte under the test's control. */
export class RawClient {
  readonly socket: net.Socket;
  response: HandshakeResponse | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly frames: Frame[] = [];
  private waiter: (() => void) | null = null;
  ended = false;
  closed = false;
  private readonly closedPromise: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** Connects and sends `request` (default: a valid handshake for /ws), plus `extra` bytes in the same write. */
  static async connect(port: number, request: string = handshakeRequest(), extra?: Buffer): Promise<RawClient> {
    const socket = connectRaw(port);
    await new Promise<void>((resolve, reject) => {
      socket.once(READY_EVENT, resolve);
      socket.once('error', reject);
    });
    const client = new RawClient(socket);
    socket.write(extra ? Buffer.concat([Buffer.from(request, 'latin1'), extra]) : Buffer.from(request, 'latin1'));
    await client.waitFor(() => client.response !== undefined || client.ended, 3000);
    return client;
  }

  /** Connects with a valid handshake and expects 101. */
  static async open(port: number, options: Parameters<typeof handshakeRequest>[0] = {}): Promise<RawClient> {
    const client = await RawClient.connect(port, handshakeRequest(options));
    if (client.response?.status !== 101) throw new Error(`Expected 101, got ${client.response?.raw}`);
    return client;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    if (w) w();
  }

  private parse(): void {
    if (this.response === undefined) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = this.buffer.subarray(0, end).toString('latin1');
      const lines = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number(lines[0].split(' ')[1]);
      if (status !== 101) {
        this.response = { status, headers, raw: this.buffer.toString('latin1') };
        return;
      }
      this.response = { status, headers, raw: head };
      this.buffer = this.buffer.subarray(end + 4);
    }
    if (this.response.status !== 101) {
      this.response.raw = this.buffer.toString('latin1');
      this.wake();
      return;
    }
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) break;
      const masked = (b[1] & 0x80) !== 0;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) break;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) break;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      if (masked) off += 4;
      if (b.length < off + len) break;
      const payload = Buffer.from(b.subarray(off, off + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] ^= b[off - 4 + (i & 3)];
      this.frames.push({ fin: (b[0] & 0x80) !== 0, rsv1: (b[0] & 0x40) !== 0, opcode: b[0] & 0x0f, masked, payload });
      this.buffer = b.subarray(off + len);
    }
    this.wake();
  }

  async waitFor(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('RawClient: timed out');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = null;
          resolve();
        }, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  send(spec: FrameSpec): void {
    this.socket.write(encodeFrame(spec));
  }

  /** Writes `bytes` in pieces of `size` (default 1), waiting `delayMs` between them so TCP keeps them apart. */
  async writeChopped(bytes: Buffer, size = 1, delayMs = 1): Promise<void> {
    for (let i = 0; i < bytes.length; i += size) {
      this.socket.write(bytes.subarray(i, i + size));
      if (delayMs > 0) await sleep(delayMs);
    }
  }

  /** The next frame from the server. */
  async next(timeoutMs = 3000): Promise<Frame> {
    await this.waitFor(() => this.frames.length > 0 || this.closed, timeoutMs);
    const frame = this.frames.shift();
    if (frame === undefined) throw new Error('RawClient: connection closed without another frame');
    return frame;
  }

  /** Frames received and not yet taken. */
  get pending(): number {
    return this.frames.length;
  }

  /** Reads frames until a close frame; returns its code (1005 for none) and reason. */
  async closeFrame(timeoutMs = 3000): Promise<{ code: number; reason: string; before: Frame[] }> {
    const before: Frame[] = [];
    for (;;) {
      const frame = await this.next(timeoutMs);
      if (frame.opcode === 0x8) {
        const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
        return { code, reason: frame.payload.subarray(2).toString(), before };
      }
      before.push(frame);
    }
  }

  /** Resolves when the server has closed the TCP connection (FIN or reset). */
  async serverClosed(timeoutMs = 3000): Promise<void> {
    await this.waitFor(() => this.ended || this.closed, timeoutMs);
  }

  /** Expects a close frame with `code`, then the TCP connection closed by the server. */
  async expectClose(code: number, timeoutMs = 3000): Promise<void> {
    const got = await this.closeFrame(timeoutMs);
    if (got.code !== code) throw new Error(`Expected close ${code}, got ${got.code} (${got.reason})`);
    await this.serverClosed(timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }

  closedSignal(): Promise<void> {
    return this.closedPromise;
  }
}

// ---- the ws client ----------------------------------------------------------------------------

export async function openWs(url: string, options: WsClient.ClientOptions = {}): Promise<WsClient> {
  const ws = new WsClient(url, options);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

/** Collects messages as they arrive; next() takes them in order. */
export class Inbox {
  private readonly items: Array<{ data: Buffer; binary: boolean }> = [];
  private waiter: (() => void) | null = null;

  constructor(ws: WsClient) {
    ws.on('message', (data: Buffer, binary: boolean) => {
      this.items.push({ data: Buffer.isBuffer(data) ? data : Buffer.concat(data as unknown as Buffer[]), binary });
      const w = this.waiter;
      this.waiter = null;
      if (w) w();
    });
  }

  get length(): number {
    return this.items.length;
  }

  async next(timeoutMs = 3000): Promise<{ data: Buffer; binary: boolean; text: string }> {
    const deadline = Date.now() + timeoutMs;
    while (this.items.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('Inbox: timed out');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    const item = this.items.shift() as { data: Buffer; binary: boolean };
    return { ...item, text: item.data.toString() };
  }

  async json(timeoutMs = 3000): Promise<unknown> {
    return JSON.parse((await this.next(timeoutMs)).text);
  }
}

export function closed(ws: WsClient): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WsClient.CLOSED) return Promise.resolve({ code: 1006, reason: '' });
  return new Promise((resolve) =>
    ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
  );
}

/** Inflates one permessage-deflate message payload (RFC 7692: the stripped 00 00 ff ff tail put back). */
export function inflateMessage(payload: Buffer): Buffer {
  return zlib.inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), {
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
}
