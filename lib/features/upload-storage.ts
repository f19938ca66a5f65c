// Where an upload's files go while they stream in: memory (a Buffer each), the disk (settings.uploadDir,
// one private file per part, removed after the handler unless kept) or a Writable the route supplies.
// Each part is piped with backpressure: a slow destination pauses busboy, which pauses the request.
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { Transform, type TransformCallback, type Writable } from 'node:stream';
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

async function prepare(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await fsp.stat(dir);
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

/**
 * Joins small pieces into 64 KiB slabs on their way to the destination: node:http hands a body sent in
 * 1-byte chunks over as one Buffer per byte, and a file stream queues each write with its own overhead
 * (a 1 MB file of such chunks held 200 MB). Pieces of 16 KiB and more go through as they are.
 */
export class Coalesce extends Transform {
  private slab: Buffer | undefined;
  private used = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length >= DIRECT) {
      this.flushSlab();
      this.push(chunk);
      callback();
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      this.slab ??= Buffer.allocUnsafe(SLAB);
      const n = Math.min(SLAB - this.used, chunk.length - offset);
      chunk.copy(this.slab, this.used, offset, offset + n);
      this.used += n;
      offset += n;
      if (this.used === SLAB) this.flushSlab();
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.flushSlab();
    callback();
  }

  private flushSlab(): void {
    if (this.slab === undefined || this.used === 0) return;
    this.push(this.used === SLAB ? this.slab : this.slab.subarray(0, this.used));
    this.slab = undefined;
    this.used = 0;
  }
}

/** Forgets the prepared directories (tests that remove them). */
export function resetUploadDirs(): void {
  ready.clear();
}
