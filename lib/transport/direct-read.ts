// Direct reads: a TCP socket (an HTTP connection of the krozen transport, a WebSocket) reads straight into
// memory its reader chooses, instead of a fresh 64 KiB allocation per read pushed through the Readable
// stream. This is Node's own `onread` socket option (net.Socket({ onread })), switched on after the fact:
// its three per-socket symbols are found by description on the socket and `useUserBuffer` is called on the
// handle. Everything is feature-detected; any mismatch (another Node, a TLS or non-TCP stream, bytes already
// buffered) leaves the socket on the ordinary 'data' path. KROZEN_WS_STREAM_READ=1 (or setDirectRead(false))
// forces that path.
//
// Every socket reads into one shared scratch Buffer unless its reader picks other memory (Node allows one
// buffer for many sockets): its bytes are valid only while the read is being handled, so whatever must
// outlive it is copied out. A socket read directly by the HTTP transport is handed on to the WebSocket
// reader when it upgrades (the WebSocket side, with its own slabs and payload windows: ../ws/direct-read.ts).
import { Socket } from 'node:net';
import { listenerFault } from '../base/listener-guard';

/** The connection side of a direct read. */
export interface DirectReader {
  /** `n` bytes were read into `buf` (the buffer nextReadBuffer() returned last). */
  onDirectRead(buf: Buffer, n: number): void;
  /** Where the next read of this socket lands. */
  nextReadBuffer(): Buffer;
}

/** Read size (Node reads 64 KiB): one read takes a 64 KiB message with its header, or many small frames. */
export const SCRATCH_SIZE = 256 * 1024;

interface Keys {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

let enabled = process.env.KROZEN_WS_STREAM_READ !== '1';
let keys: Keys | null | undefined;
const kReader = Symbol('krozen.directReader');

/** Turns direct reads on or off for connections opened from now on (tests run both paths). */
export function setDirectRead(on: boolean): void {
  enabled = on;
}

/** Whether connections opened now read directly: enabled, and this Node has what it needs. */
export function directReadActive(): boolean {
  return enabled && findKeys() !== null;
}

/** Whether this Node has what direct reads need (whether or not they are enabled). */
export function directReadSupported(): boolean {
  return findKeys() !== null;
}

function findKeys(): Keys | null {
  if (keys !== undefined) return keys;
  keys = null;
  try {
    const probe = new Socket();
    const symbols = Object.getOwnPropertySymbols(probe);
    const find = (name: string): symbol | undefined => symbols.find((s) => s.description === name);
    const buffer = find('kBuffer');
    const callback = find('kBufferCb');
    const generator = find('kBufferGen');
    const record = probe as unknown as Record<symbol, unknown>;
    if (
      buffer !== undefined &&
      callback !== undefined &&
      generator !== undefined &&
      record[buffer] === null &&
      record[callback] === null &&
      record[generator] === null
    ) {
      keys = { buffer, callback, generator };
    }
    probe.destroy();
  } catch {
    keys = null;
  }
  return keys;
}

type Handle = { useUserBuffer?: (buf: Uint8Array) => void; reading?: boolean };
type DirectSocket = Socket & Record<symbol, unknown> & { _handle?: Handle | null };

/**
 * Switches `socket` to direct reads into reader.nextReadBuffer(). False (and nothing changed) when the
 * socket or this Node does not support it.
 */
export function startDirectRead(socket: unknown, reader: DirectReader): boolean {
  // Exactly net.Socket: a TLSSocket (a subclass) reads ciphertext on its handle and must stay on 'data'.
  if (!(socket instanceof Socket) || socket.constructor !== Socket) return false;
  const k = findKeys();
  if (k === null) return false;
  const s = socket as DirectSocket;
  const handle = s._handle;
  if (handle === null || handle === undefined || typeof handle.useUserBuffer !== 'function') return false;
  // A socket the HTTP transport already reads directly is handed on to the new reader (always: it has no
  // 'data' path left to fall back to).
  const handedOn = s[kReader] !== undefined && s[k.callback] === onRead;
  if (!enabled && !handedOn) return false;
  if (!handedOn && (s[k.buffer] !== null || s[k.callback] !== null || s[k.generator] !== null)) return false;
  if (s.readableLength !== 0 || s.destroyed || !s.readable) return false;
  const first = reader.nextReadBuffer();
  s[kReader] = reader;
  if (!handedOn) s[k.callback] = onRead;
  s[k.buffer] = first;
  s[k.generator] = nextBuffer;
  handle.useUserBuffer(first);
  return true;
}

/**
 * For raw-socket.ts, which takes the socket's handle over: where the next read of `socket` lands now (the
 * Buffer), and from here on `reader` picks the buffers (a read being handled right now asks it next). Null
 * when the socket is not read directly by this module.
 */
export function redirectDirectRead(socket: unknown, reader: DirectReader): Buffer | null {
  const k = findKeys();
  if (k === null) return null;
  const s = socket as DirectSocket;
  if (s[kReader] === undefined || s[k.callback] !== onRead) return null;
  const current = s[k.buffer];
  if (!(current instanceof Uint8Array)) return null;
  s[kReader] = reader;
  return current as Buffer;
}

// Node calls the callback as a method of the socket (stream[kBufferCb](n, buf)), then the generator with no
// receiver, synchronously after it: the socket just read is remembered in between. One shared callback, the
// reader in a symbol on the socket: no closure or slot object per socket (memory per idle connection).
let lastReader: DirectReader | null = null;
let lastSocket: DirectSocket | null = null;

// Both run inside Node's read callback, where a throw would end the process: a fault ends this socket only.
function onRead(this: DirectSocket, n: number, buf: Buffer): boolean {
  return onSocketRead(this, n, buf);
}

function onSocketRead(socket: DirectSocket, n: number, buf: Buffer): boolean {
  const reader = socket[kReader] as DirectReader;
  lastReader = reader;
  lastSocket = socket;
  try {
    reader.onDirectRead(buf, n);
    // The read may have handed the socket on (an HTTP connection upgraded to WebSocket): the next buffer is
    // the new reader's, or the read it set up (a payload window, its own slab) would land elsewhere.
    lastReader = socket[kReader] as DirectReader;
    return true;
  } catch (err) {
    lastReader = null;
    listenerFault('WebSocket direct read', err, socket);
    return false; // Node stops reading this socket
  }
}

function nextBuffer(): Buffer {
  const reader = lastReader;
  const socket = lastSocket;
  lastReader = null;
  lastSocket = null;
  if (reader === null) return scratchBuffer();
  try {
    return reader.nextReadBuffer();
  } catch (err) {
    listenerFault('WebSocket direct read', err, socket);
    return scratchBuffer();
  }
}

let scratch: Buffer | null = null;

/** The shared read buffer: its contents are overwritten by the next read of any socket. */
export function scratchBuffer(): Buffer {
  if (scratch === null) scratch = Buffer.allocUnsafeSlow(SCRATCH_SIZE);
  return scratch;
}
