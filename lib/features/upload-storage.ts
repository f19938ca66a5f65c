// Where an upload's files go while they stream in: memory (a Buffer each), the disk (settings.uploadDir,
// one private file per part, removed after the handler unless kept) or a Writable the route supplies.
// Each part is piped with backpressure: a slow destination pauses busboy, which pauses the request.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, statSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { finished, type Readable, type Writable } from 'node:stream';
import type { Request } from '../http/types';

/** What is known of a file part when it starts. */
export interface UploadFileInfo {
  /** The form field the file came in. */
  fieldname: string;
  /** The client's file name (untrusted: never use it as a path as is). */
  filename: string;
  /** The part's Content-Type (text/plain when the client sent none: RFC 7578's default). */
  contentType: string;
}

/** A file received with `storage: 'memory'`. */
export interface MemoryFile extends UploadFileInfo {
  size: number;
  content: Buffer;
}

/** A file received with `storage: 'disk'` (the default). */
export interface DiskFile extends UploadFileInfo {
  size: number;
  /** The temporary file (mode 0600, random name, in settings.uploadDir). */
  path: string;
  /** Leaves the file in place after the handler (it is yours to move or delete); else it is removed. */
  keep(): void;
}

/** A file written to a route's own Writable (`storage: (file, req) => Writable`). */
export interface StreamedFile extends UploadFileInfo {
  size: number;
}

/** Makes the Writable a file part is piped into (ended when the part ends, destroyed on a refusal). */
export type UploadSink = (file: UploadFileInfo, req: Request) => Writable;

export type UploadStorage = 'disk' | 'memory' | UploadSink;

/** The file type a handler gets for a storage choice. */
export type FileFor<S extends UploadStorage> = S extends 'memory'
  ? MemoryFile
  : S extends 'disk'
    ? DiskFile
    : StreamedFile;

/** A temporary file being written: its stream, and whether the handler asked to keep it. */
export interface TempFile {
  path: string;
  stream: Writable;
  kept: boolean;
}

const ready = new Map<string, Promise<void>>();

/**
 * Creates `dir` (mode 0700) once per process. An existing directory owned by another user is refused:
 * in a shared /tmp someone else could have made it first and would read every upload.
 */
export function ensureUploadDir(dir: string): Promise<void> {
  let p = ready.get(dir);
  if (p === undefined) {
    p = prepare(dir);
    ready.set(dir, p);
    // A failure is not remembered: the next upload tries again (the directory may be fixed by then).
    p.catch(() => ready.delete(dir));
  }
  return p;
}

// Synchronous, once per directory and process: a few microseconds, where an await on the thread pool left the
// request's body unread meanwhile (node:http kept reading it: 1-byte chunks then cost 50-130 MB of RSS).
async function prepare(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (!st.isDirectory()) throw new Error(`settings.uploadDir ${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new Error(`settings.uploadDir ${dir} belongs to another user (uid ${st.uid})`);
  }
}

/** Opens a new private file under `dir` ('wx': a name that exists already is an error, never reused). */
export function createTempFile(dir: string): TempFile {
  const file = path.join(dir, `upload-${randomBytes(16).toString('hex')}`);
  const stream = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  return { path: file, stream, kept: false };
}

/**
 * Removes a temporary file: at once when its stream is closed, else once the stream (destroyed here)
 * has closed, so a file still being opened is not created after its unlink.
 */
export function removeTempFile(temp: TempFile): Promise<void> {
  const unlink = (): Promise<void> => fsp.unlink(temp.path).catch(() => {}); // moved by the handler: fine
  if (temp.stream.closed) return unlink();
  return new Promise((resolve) => {
    temp.stream.once('close', () => void unlink().then(resolve));
    temp.stream.destroy();
  });
}

const SLAB = 64 * 1024;
const DIRECT = 16 * 1024;
/** Bytes a destination may hold unwritten before the upload is paused (bounds memory when the disk is slow). */
const QUEUE_LIMIT = 4 * 1024 * 1024;

/**
 * Copies a file part into `dest` in 64 KiB slabs: node:http hands a body sent in 1-byte chunks over as one
 * Buffer per byte, and a stream per piece (a Transform, a file stream's queue) would hold each with its
 * overhead. Each piece is copied as it arrives and dropped; pieces of 16 KiB and more are written as they
 * are. Backpressure: once `dest` holds QUEUE_LIMIT bytes not yet written, `source` (busboy, then the request)
 * is paused until 'drain' — not at write()'s first refusal: a paused node:http request of tiny chunks kept
 * reading them into Buffers (a 1 MB file of 1-byte chunks: ~100 MB of RSS, against ~18 MB unpaused).
 * `done(err)` once: the part is written and `dest` finished, or it failed.
 */
export function pumpInSlabs(source: Readable, dest: Writable, done: (err: Error | null) => void): void {
  let slab: Buffer | undefined;
  let used = 0;
  let waiting = false;
  const resume = (): void => {
    waiting = false;
    source.resume();
  };
  const written = (ok: boolean): void => {
    if (ok || waiting || dest.writableLength < QUEUE_LIMIT) return;
    waiting = true;
    source.pause();
    dest.once('drain', resume);
  };
  const flush = (): void => {
    if (slab === undefined || used === 0) return;
    const out = used === SLAB ? slab : slab.subarray(0, used);
    slab = undefined;
    used = 0;
    written(dest.write(out));
  };
  source.on('data', (chunk: Buffer) => {
    if (dest.destroyed) return;
    if (chunk.length >= DIRECT) {
      flush();
      written(dest.write(chunk));
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      slab ??= Buffer.allocUnsafe(SLAB);
      const n = Math.min(SLAB - used, chunk.length - offset);
      chunk.copy(slab, used, offset, offset + n);
      used += n;
      offset += n;
      if (used === SLAB) flush();
    }
  });
  source.once('end', () => {
    if (dest.destroyed) return;
    flush();
    dest.end();
  });
  let settled = false;
  finished(dest, (err) => {
    if (settled) return;
    settled = true;
    if (err) source.resume(); // let busboy go on to the refusal; the bytes are dropped
    done(err ?? null);
  });
}

/** Forgets the prepared directories (tests that remove them). */
export function resetUploadDirs(): void {
  ready.clear();
}
