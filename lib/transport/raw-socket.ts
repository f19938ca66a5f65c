// A connection driven through its TCP handle, without a net.Socket: an HTTP connection of the krozen
// transport accepted on its handle (raw-accept.ts), or a WebSocket whose upgraded net.Socket was let go
// (raw-takeover.ts) — the stream state, listeners and timer fields of a net.Socket, ~0.7 KB of heap per
// idle connection, and the stream machinery every write and close went through.
//
// What it keeps of a net.Socket is what the HTTP connection and the WebSocket layer call (write, cork/uncork,
// end, destroy, pause/resume, writable, readable, destroyed, writableLength, remoteAddress), with the same
// meaning:
// - reads land in buffers the owner picks (the direct reads of direct-read.ts, continued): Node's handle calls
//   `onread` with the byte count in the shared state array, and takes the Buffer it returns for the next read;
// - a write is tried at once by libuv; what the kernel does not take waits in libuv's queue, counted in
//   writableLength until its request completes, and 'drain' (owner.onDrain) follows as on a net.Socket;
// - end() sends FIN after queued writes (a shutdown request); the connection is closed once both sides have
//   ended, or at destroy(), and owner.onSocketClose() runs from the handle's close callback, as 'close' does;
// - the peer's FIN ends our side too, unless the owner keeps the connection half-open (HTTP answers first).
// The transport that accepted the socket keeps counting it (maxConnections, shutdown): TakeoverHost.
import type { Socket } from 'node:net';
import { listenerFault } from '../base/listener-guard';
import type { DirectReader } from './direct-read';
import { peerAddress } from './peer-address';
import { UV_EOF, type HandleBindings, type HandleRequest, type TcpHandle } from './tcp-handle';

/** What the connection's events reach (the HTTP connection, then the WebSocket session it upgrades to). */
export interface RawSocketOwner extends DirectReader {
  /** The peer ended its side (FIN). */
  onEnd(): void;
  /** Queued writes went out after write() asked to wait (as 'drain'). */
  onDrain(): void;
  /** The handle closed (as 'close'). */
  onSocketClose(): void;
}

/** Writes `body` on `fd` at once: -1 when all of it went, else how many bytes did (the addon's writeResponse). */
export type FdWriter = (fd: number, head: string, body: Uint8Array | null) => number;

/** The transport that accepted a socket: it stops tracking the net.Socket and tracks the raw one instead. */
export interface TakeoverHost {
  takenOver(socket: Socket, raw: RawSocket): void;
  rawClosed(raw: RawSocket): void;
  /** The fd writer to use, or null (no addon, direct writes off, no fds here). */
  fdWriter(): FdWriter | null;
}

/** As a net.Socket's writableHighWaterMark: past this many queued bytes write() returns false. */
const HIGH_WATER_MARK = 16 * 1024;

// Node's owner symbol (its handles' `owner_symbol` property, which Node's own diagnostics read): the handle's
// RawSocket is found there. The same symbol for every handle; known at the first attach(). (A symbol of our
// own as well would be a 4th property on the handle, past its property array's first 3 slots: +24 B each.)
let kOwner: symbol = Symbol('krozen.rawSocket');

/** How the takeovers went since start (tests check that each path ran). */
export const rawSocketCounts = { taken: 0, declined: 0, fdWrites: 0 };

const WRITABLE = 1;
const READABLE = 2;
const DESTROYED = 4;
const SHUT_DOWN = 8; // the FIN went out
const NEED_DRAIN = 16;
const PAUSED = 32;
const HALF_OPEN = 64;
const CLOSED = 128;

export class RawSocket implements DirectReader {
  /** Where the next read lands. */
  readBuf: Buffer | null = null;
  /** Bytes handed to libuv and not yet written (writableLength). */
  private queued = 0;
  private flags = WRITABLE | READABLE;
  private corked: Uint8Array[] | null = null;
  private corkedBytes = 0;
  private corks = 0;
  /** The descriptor and the addon's writer, when writes may bypass the handle (see send()). */
  private fd = -1;
  private fdWrite: FdWriter | null = null;

  /** Bytes handed to the kernel or to libuv so far (send-progress.ts reads it as net.Socket's own count). */
  _bytesDispatched = 0;
  /** The peer's address, read once (getpeername) when first asked. */
  private peer: string | undefined | null = null;
  /** Who else waits for the close (whenClosed), besides the owner. */
  private closeWatchers: (() => void)[] | null = null;

  constructor(
    private readonly handle: TcpHandle,
    private owner: RawSocketOwner,
    private readonly host: TakeoverHost,
    private readonly b: HandleBindings,
  ) {}

  /**
   * @internal From here on `owner` gets the events and picks where reads land (a WebSocket session taking an
   * upgraded HTTP connection over). `halfOpen`: the peer's FIN does not end our side (HTTP answers what was
   * asked first, then ends); without it our side ends at once, as a WebSocket does.
   */
  setOwner(owner: RawSocketOwner, halfOpen: boolean): void {
    this.owner = owner;
    if (halfOpen) this.flags |= HALF_OPEN;
    else this.flags &= ~HALF_OPEN;
  }

  /** @internal Reading starts, for `owner` (an accepted connection: raw-accept.ts), half-open as HTTP needs. */
  start(owner: RawSocketOwner): boolean {
    this.setOwner(owner, true);
    const first = owner.nextReadBuffer();
    this.readBuf = first;
    (this.handle.useUserBuffer as (buf: Uint8Array) => void).call(this.handle, first);
    return this.handle.readStart() === 0;
  }

  /** @internal A WebSocket session takes this (paused) connection over: reading resumes at startReading(). */
  adopt(owner: RawSocketOwner): void {
    this.setOwner(owner, false);
    this.flags &= ~PAUSED;
  }

  /** The TCP handle while the connection is open, else null (direct-write.ts and send-progress.ts read it). */
  get _handle(): TcpHandle | null {
    return this.destroyed ? null : this.handle;
  }

  /** The peer's IP address (undefined when the handle cannot say: closed, or not a TCP connection). */
  get remoteAddress(): string | undefined {
    if (this.peer === null) this.peer = peerAddress(this.handle);
    return this.peer;
  }

  get writableCorked(): number {
    return this.corks;
  }

  /** end() was called (or the connection is gone): nothing more may be written. */
  get writableEnded(): boolean {
    return (this.flags & WRITABLE) === 0 || this.destroyed;
  }

  /** Bytes the kernel took so far (whole writes; send-progress.ts prefers _bytesDispatched). */
  get bytesWritten(): number {
    return this._bytesDispatched - this.queued;
  }

  /** @internal The handle's reads and events come here; the next read lands in `readBuf` (null: set at start()). */
  attach(ownerSymbol: symbol, readBuf: Buffer | null): void {
    const handle = this.handle;
    this.readBuf = readBuf;
    // With the addon, a write that finds nothing queued goes straight onto the fd (one send, no request object).
    const fd = (handle as { fd?: unknown }).fd;
    if (typeof fd === 'number' && Number.isInteger(fd) && fd >= 0) {
      const write = this.host.fdWriter();
      this.fd = write === null ? -1 : fd;
      this.fdWrite = write;
    }
    kOwner = ownerSymbol;
    handle[ownerSymbol] = this;
    handle.onread = onHandleRead;
  }

  get writable(): boolean {
    return (this.flags & (WRITABLE | DESTROYED)) === WRITABLE;
  }

  get readable(): boolean {
    return (this.flags & (READABLE | DESTROYED)) === READABLE;
  }

  get destroyed(): boolean {
    return (this.flags & DESTROYED) !== 0;
  }

  get writableLength(): number {
    return this.queued;
  }

  /** Writes `chunk` (a string in `encoding`, UTF-8 by default); false once past the high-water mark, as a Writable. */
  write(data: Uint8Array | string, encoding?: BufferEncoding): boolean {
    if (!this.writable) return false;
    if (typeof data === 'string' && encoding === 'latin1' && this.sendLatin1(data)) return true;
    const chunk = typeof data === 'string' ? Buffer.from(data, encoding) : data;
    // As a Writable counts it: a write that brings the queue to the mark asks for 'drain', even when the
    // kernel then takes it all at once (the 'drain' then follows on the next tick).
    const below = this.queued + this.corkedBytes + chunk.length < HIGH_WATER_MARK;
    if (!below) this.flags |= NEED_DRAIN;
    if (this.corked !== null) {
      this.corked.push(chunk);
      this.corkedBytes += chunk.length;
      return below;
    }
    this.send(chunk, null);
    return below;
  }

  cork(): void {
    this.corks++;
    if (this.corked === null) this.corked = [];
  }

  uncork(): void {
    if (this.corks === 0 || --this.corks !== 0) return;
    const chunks = this.corked as Uint8Array[];
    this.corked = null;
    this.corkedBytes = 0;
    if (!this.writable || chunks.length === 0) return;
    if (chunks.length === 1) this.send(chunks[0], null);
    else this.send(null, chunks);
  }

  /** Sends FIN once queued writes (and `data`, if given) are out (the peer's FIN then closes the connection). */
  end(data?: Uint8Array | string, encoding?: BufferEncoding): void {
    if (!this.writable) return;
    if (data !== undefined) this.write(data, encoding);
    if (this.corked !== null) {
      this.corks = 1;
      this.uncork(); // what is corked goes out before the FIN
    }
    this.flags &= ~WRITABLE;
    const req = new this.b.ShutdownWrap();
    req.handle = this.handle;
    req.owner = this;
    req.oncomplete = onShutdownDone;
    if (this.handle.shutdown(req) !== 0) this.destroy();
  }

  /** Closes the connection now if nothing waits in libuv's queue (the kernel sends what it holds, then FIN). */
  closeNow(): boolean {
    if (this.queued !== 0 || this.corked !== null) return false;
    this.destroy();
    return true;
  }

  /** Closes the connection now (what is queued is dropped). */
  destroy(): void {
    if (this.destroyed) return;
    this.flags |= DESTROYED;
    this.corked = null;
    this.corkedBytes = 0;
    this.handle.readStop();
    this.handle.close(onHandleClose);
  }

  /** Reads from here on (the handle may have been stopped by the HTTP side: a paused connection). */
  startReading(): void {
    if ((this.flags & (PAUSED | DESTROYED | READABLE)) === READABLE) this.handle.readStart();
  }

  /** Stops reading (backpressure on the receiving side). */
  pause(): void {
    if ((this.flags & (PAUSED | DESTROYED)) !== 0) return;
    this.flags |= PAUSED;
    this.handle.readStop();
  }

  resume(): void {
    if ((this.flags & PAUSED) === 0 || this.destroyed) return;
    this.flags &= ~PAUSED;
    if ((this.flags & READABLE) !== 0) this.handle.readStart();
  }

  // ---- DirectReader: reads are the owner's; this only remembers where the next one lands ----------

  onDirectRead(buf: Buffer, n: number): void {
    this.owner.onDirectRead(buf, n);
  }

  nextReadBuffer(): Buffer {
    const buf = this.owner.nextReadBuffer();
    this.readBuf = buf;
    return buf;
  }

  // ---- from the handle -------------------------------------------------------------------------

  /** @internal A read: `n` bytes, 0 (nothing), or a libuv error (UV_EOF: the peer's FIN). */
  read(): Buffer | undefined {
    const n = this.b.state[this.b.kReadBytesOrError];
    if (n > 0) {
      if (this.destroyed) return undefined;
      this.owner.onDirectRead(this.readBuf as Buffer, n);
      return this.destroyed ? undefined : this.nextReadBuffer();
    }
    if (n === 0) return undefined;
    this.handle.readStop();
    if (n !== UV_EOF || (this.flags & READABLE) === 0) {
      this.destroy(); // ECONNRESET and the like: the peer is gone
      return undefined;
    }
    this.flags &= ~READABLE;
    this.owner.onEnd();
    // Without HALF_OPEN our side ends too (after what is queued), then the connection closes; with it, the
    // owner ends it when it is done. A FIN of ours that went out already closes it now.
    if ((this.flags & SHUT_DOWN) !== 0) this.destroy();
    else if (this.writable && (this.flags & HALF_OPEN) === 0) this.end();
    return undefined;
  }

  /** @internal A write request finished (`bytes` of it had waited). */
  written(status: number, bytes: number): void {
    this.queued -= bytes;
    if (status < 0) return this.destroy();
    this.drainIfEmpty();
  }

  /** @internal 'drain', when a write asked for it and nothing waits any more. */
  drainIfEmpty(): void {
    if (this.queued === 0 && this.corked === null && (this.flags & NEED_DRAIN) !== 0 && !this.destroyed) {
      this.flags &= ~NEED_DRAIN;
      this.owner.onDrain();
    }
  }

  /** @internal The FIN went out. */
  shutDown(status: number): void {
    this.flags |= SHUT_DOWN;
    if (status < 0 || (this.flags & READABLE) === 0) this.destroy();
  }

  /** @internal The handle closed. */
  closed(): void {
    this.queued = 0;
    this.flags |= CLOSED;
    try {
      this.host.rawClosed(this);
    } finally {
      try {
        this.owner.onSocketClose();
      } finally {
        const watchers = this.closeWatchers;
        this.closeWatchers = null;
        if (watchers !== null) for (const fn of watchers) fn();
      }
    }
  }

  /** Calls `fn` once the connection has closed, as a net.Socket's 'close' listener (tracing's upgrade span). */
  whenClosed(fn: () => void): void {
    if ((this.flags & CLOSED) !== 0) process.nextTick(fn);
    else (this.closeWatchers ??= []).push(fn);
  }

  /**
   * Header bytes (a WebSocket's 101) with nothing queued or corked: the addon sends the string itself, no
   * Buffer made for it. True when any of it went (the rest follows through the handle, behind it); false when
   * none did (write() then takes the usual path).
   */
  private sendLatin1(text: string): boolean {
    if (this.fdWrite === null || this.queued !== 0 || this.corked !== null || text.length >= HIGH_WATER_MARK)
      return false;
    const sent = this.fdWrite(this.fd, text, null);
    rawSocketCounts.fdWrites++;
    if (sent === -1) {
      this._bytesDispatched += text.length;
      return true;
    }
    if (sent > 0) {
      this._bytesDispatched += sent;
      this.send(Buffer.from(text.slice(sent), 'latin1'), null);
      return true;
    }
    return false;
  }

  private send(one: Uint8Array | null, many: Uint8Array[] | null): void {
    // Nothing queued in libuv: the addon sends on the fd at once (the fd is closed only by destroy(), after
    // which nothing is sent). What the kernel does not take goes through the handle, behind it.
    if (one !== null && this.queued === 0 && this.fdWrite !== null) {
      const sent = this.fdWrite(this.fd, '', one);
      rawSocketCounts.fdWrites++;
      if (sent === -1) {
        this._bytesDispatched += one.length;
        if ((this.flags & NEED_DRAIN) !== 0) process.nextTick(drainTick, this);
        return;
      }
      if (sent > 0) {
        this._bytesDispatched += sent;
        one = one.subarray(sent);
      }
    }
    let bytes = 0;
    if (one !== null) bytes = one.length;
    else for (let i = 0; i < (many as Uint8Array[]).length; i++) bytes += (many as Uint8Array[])[i].length;
    this._bytesDispatched += bytes;
    const req = new this.b.WriteWrap();
    req.handle = this.handle;
    req.oncomplete = onWriteDone;
    req.async = false;
    const err = one !== null ? this.handle.writeBuffer(req, one) : this.handle.writev(req, many as Uint8Array[], true);
    if (err !== 0) return this.destroy();
    if (this.b.state[this.b.kLastWriteWasAsync] === 0) {
      if ((this.flags & NEED_DRAIN) !== 0 && this.queued === 0) process.nextTick(drainTick, this);
      return;
    }
    // Waits in libuv's queue: the request keeps its bytes alive and reports when they are out.
    req.async = true;
    req.buffer = one ?? many;
    req.bytes = bytes;
    req.owner = this;
    this.queued += bytes;
  }
}

// Shared callbacks (no closure per connection); each runs inside a libuv callback, where a throw would end
// the process: a fault ends this connection only.
function onHandleRead(this: TcpHandle): Uint8Array | undefined {
  const raw = this[kOwner] as RawSocket;
  try {
    return raw.read();
  } catch (err) {
    listenerFault('WebSocket read', err, raw);
    return undefined;
  }
}

function onWriteDone(this: HandleRequest, status: number): void {
  if (!this.async) return; // done at once: nothing was counted
  const raw = this.owner as RawSocket;
  this.buffer = null;
  try {
    raw.written(status, this.bytes);
  } catch (err) {
    listenerFault('WebSocket write', err, raw);
  }
}

function drainTick(raw: RawSocket): void {
  try {
    raw.drainIfEmpty();
  } catch (err) {
    listenerFault('WebSocket drain', err, raw);
  }
}

function onShutdownDone(this: HandleRequest, status: number): void {
  const raw = this.owner as RawSocket;
  try {
    raw.shutDown(status);
  } catch (err) {
    listenerFault('WebSocket end', err, raw);
  }
}

function onHandleClose(this: TcpHandle): void {
  const raw = this[kOwner] as RawSocket;
  this[kOwner] = null;
  try {
    raw.closed();
  } catch (err) {
    listenerFault('WebSocket close', err);
  }
}
