// Reading files for responses: an in-memory cache (pykrozen caches forever, until clearFileCache or
// `reload`), validators (ETag, Last-Modified) and a lazy stream for files too big to cache.
import { createReadStream, promises as fsp, type ReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { mimeType } from './mime';

/** What a response needs to know about a file on disk. */
export interface FileInfo {
  /** The file's real path (symlinks resolved). */
  realPath: string;
  size: number;
  mtimeMs: number;
  etag: string;
  lastModified: string;
  contentType: string;
}

/** A file whose bytes are held in memory. */
export interface CachedFile extends FileInfo {
  body: Buffer;
}

/** A file found on disk: its bytes when small enough to cache, else only its metadata (stream it). */
export type LoadedFile = CachedFile | (FileInfo & { body: undefined });

// Key: the absolute path as asked for (before symlinks are resolved), so a hit costs one Map lookup.
const cache = new Map<string, CachedFile>();

/** The cached entry for an absolute path, if any. */
export function cachedFile(absPath: string): CachedFile | undefined {
  return cache.get(absPath);
}

/** Number of cached files (tests and diagnostics). */
export function fileCacheSize(): number {
  return cache.size;
}

/**
 * Forgets cached files: all of them, or the one at `filePath` (relative to process.cwd()), matched by
 * the path it was asked for or by its real path.
 */
export function clearFileCache(filePath?: string): void {
  if (filePath === undefined) {
    cache.clear();
    return;
  }
  const abs = path.resolve(filePath);
  cache.delete(abs);
  for (const [key, entry] of cache) if (entry.realPath === abs) cache.delete(key);
}

/** Weak validator from size and modification time: cheap, and no promise of byte equality. */
export function etagOf(size: number, mtimeMs: number): string {
  return `W/"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

export interface LoadOptions {
  /** Files up to this many bytes are read and cached; larger ones are only stat'ed. */
  maxCacheSize: number;
  /** Skip the cache lookup (the fresh read still replaces the cached entry). */
  reload?: boolean;
  /** When set, a file whose real path is outside this (real) directory counts as missing. */
  realRoot?: string;
}

const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'EACCES', 'EPERM', 'ENAMETOOLONG', 'EISDIR']);

function isNotFound(err: unknown): boolean {
  return NOT_FOUND_CODES.has((err as NodeJS.ErrnoException).code ?? '');
}

/** True when `realPath` is `realRoot` itself or lies below it. */
export function isInside(realRoot: string, realPath: string): boolean {
  if (realPath === realRoot) return true;
  const withSep = realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep;
  return realPath.startsWith(withSep);
}

/**
 * The regular file at `absPath`, from the cache or from disk; undefined when it is missing, is not a
 * regular file (directory, FIFO, device), or resolves outside `realRoot`.
 */
export async function loadFile(absPath: string, opts: LoadOptions): Promise<LoadedFile | undefined> {
  if (!opts.reload) {
    const hit = cache.get(absPath);
    if (hit) return hit;
  }
  try {
    const realPath = await fsp.realpath(absPath);
    if (opts.realRoot !== undefined && !isInside(opts.realRoot, realPath)) return undefined;
    // stat before open: opening a FIFO would block a libuv thread until a writer appears.
    const stat = await fsp.stat(realPath);
    if (!stat.isFile()) return undefined;
    const info: FileInfo = {
      realPath,
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      etag: etagOf(stat.size, stat.mtimeMs),
      lastModified: new Date(stat.mtimeMs).toUTCString(),
      contentType: mimeType(absPath),
    };
    if (stat.size > opts.maxCacheSize) return { ...info, body: undefined };
    const body = await fsp.readFile(realPath);
    // The file may have changed between stat and read: describe the bytes we actually hold.
    if (body.length !== info.size) {
      info.size = body.length;
      info.etag = etagOf(body.length, info.mtimeMs);
    }
    if (body.length > opts.maxCacheSize) return { ...info, body: undefined };
    const entry: CachedFile = { ...info, body };
    cache.set(absPath, entry);
    return entry;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * A stream of the file's first `size` bytes that opens the file only when first read, so a response
 * that never sends its body (HEAD, 304, a client gone early) holds no file descriptor.
 */
export class LazyFileStream extends Readable {
  private source: ReadStream | undefined;
  private sent = 0;

  constructor(private readonly filePath: string, private readonly size: number) {
    super();
  }

  override _read(): void {
    if (this.source) {
      this.source.resume();
      return;
    }
    if (this.size === 0) {
      this.push(null);
      return;
    }
    const source = createReadStream(this.filePath, { start: 0, end: this.size - 1 });
    this.source = source;
    source.on('data', (chunk: string | Buffer) => {
      this.sent += chunk.length;
      if (!this.push(chunk)) source.pause();
    });
    source.on('end', () => {
      // The file shrank after it was stat'ed: the promised Content-Length cannot be met, so fail the
      // response (the connection is cut) rather than leave the client waiting for bytes that never come.
      if (this.sent < this.size) this.destroy(new Error(`File shrank while being sent: ${this.filePath}`));
      else this.push(null);
    });
    source.on('error', (err) => this.destroy(err));
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.source?.destroy();
    callback(err);
  }
}
