// Node's TCP handle (the libuv stream behind a net.Socket) as raw-socket.ts drives it: the request objects a
// write or a shutdown needs, and the shared state array a read reports its byte count in. These come from
// `process.binding('stream_wrap')`, which every Node line we run has (20 to 26, checked per line in CI), and
// are feature-detected here: anything missing or of another shape, and connections keep their net.Socket.
import type { Socket } from 'node:net';
import { types } from 'node:util';

/** A write or shutdown request (Node's WriteWrap / ShutdownWrap): `oncomplete` runs with it as `this`. */
export interface HandleRequest {
  handle: TcpHandle;
  oncomplete: (this: HandleRequest, status: number) => void;
  async: boolean;
  /** What this request keeps alive until it completes, and who made it. */
  buffer: unknown;
  bytes: number;
  owner: unknown;
}

/** The handle's methods this package calls (Node's LibuvStreamWrap / TCPWrap). */
export interface TcpHandle {
  readStart(): number;
  readStop(): number;
  writeBuffer(req: HandleRequest, buf: Uint8Array): number;
  writev(req: HandleRequest, chunks: Uint8Array[], allBuffers: boolean): number;
  shutdown(req: HandleRequest): number;
  close(callback: (this: TcpHandle) => void): void;
  onread: (this: TcpHandle, arrayBuffer?: ArrayBuffer) => Uint8Array | undefined;
  reading?: boolean;
  /** Reads land in `buf` (the net.Socket `onread` option's mechanism; raw-socket.ts returns the next one). */
  useUserBuffer?(buf: Uint8Array): void;
  setNoDelay?(on: boolean): number;
  /** Fills `out.address` / `out.port`; 0 on success. */
  getpeername?(out: { address?: string; port?: number }): number;
  [key: symbol]: unknown;
}

export interface HandleBindings {
  WriteWrap: new () => HandleRequest;
  ShutdownWrap: new () => HandleRequest;
  /** Int32Array: [kReadBytesOrError] after a read, [kLastWriteWasAsync] after a write. */
  state: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
}

/** libuv's end of stream (UV_EOF on every platform). */
export const UV_EOF = -4095;

let bindings: HandleBindings | null | undefined;

/** Node's stream-wrap bindings, or null where this Node has none of the expected shape. */
export function handleBindings(): HandleBindings | null {
  if (bindings !== undefined) return bindings;
  bindings = null;
  // process.binding is deprecated (DEP0111), a warning only under --pending-deprecation: then it is not used.
  if (process.execArgv.includes('--pending-deprecation') || process.env.NODE_PENDING_DEPRECATION === '1') return null;
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding('stream_wrap');
    const { WriteWrap, ShutdownWrap, streamBaseState, kReadBytesOrError, kLastWriteWasAsync } = binding;
    if (
      typeof WriteWrap === 'function' &&
      typeof ShutdownWrap === 'function' &&
      types.isInt32Array(streamBaseState) && // (not instanceof: Node's realm, not always this one's)
      typeof kReadBytesOrError === 'number' &&
      typeof kLastWriteWasAsync === 'number'
    ) {
      bindings = {
        WriteWrap: WriteWrap as HandleBindings['WriteWrap'],
        ShutdownWrap: ShutdownWrap as HandleBindings['ShutdownWrap'],
        state: streamBaseState as Int32Array,
        kReadBytesOrError,
        kLastWriteWasAsync,
      };
    }
  } catch {
    bindings = null;
  }
  return bindings;
}

/** The TCP handle of a plain net.Socket, when it has one with the methods raw-socket.ts calls. */
export function tcpHandleOf(socket: Socket): TcpHandle | null {
  const handle = (socket as unknown as { _handle?: unknown })._handle;
  if (handle === null || typeof handle !== 'object') return null;
  const h = handle as Partial<TcpHandle>;
  for (const name of ['readStart', 'readStop', 'writeBuffer', 'writev', 'shutdown', 'close'] as const) {
    if (typeof h[name] !== 'function') return null;
  }
  if (typeof h.onread !== 'function') return null;
  return handle as TcpHandle;
}

/** The symbol under which Node's handle names its owner (the net.Socket): found by its description. */
export function ownerSymbolOf(handle: TcpHandle): symbol | null {
  return Object.getOwnPropertySymbols(handle).find((s) => s.description === 'owner_symbol') ?? null;
}
