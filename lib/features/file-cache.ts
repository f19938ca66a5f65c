// Reading files for responses: an in-memory cache bounded in entries and bytes (least recently used out
// first) and revalidated against the disk (size, mtime, inode) on every hit, validators (ETag,
// Last-Modified), and a lazy stream for files too big to cache.
import { createReadStream, promises as fsp, type ReadStream, type Stats } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { mimeType } from './mime';

/** What a response needs to know about a file on disk. */
export interface FileInfo {
  /** The file's real path (symlinks resolved). */
  realPath: string;
  size: number;
  mtimeMs: number;
  ino: number;
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

// Key: the absolute path as asked for (before symlinks are resolved). A Map keeps insertion order:
// a hit re-inserts its entry, so the first key is always the least recently used.
const cache = new Map<string, CachedFile>();
let cachedBytes = 0;

/** Number of cached files (tests and diagnostics). */
export function fileCacheSize(): number {
  return cache.size;
}

/** Bytes held by the cache (tests and diagnostics). */
export function fileCacheBytes(): number {
  return cachedBytes;
}

function forget(key: string): void {
  const entry = cache.get(key);
  if (entry === undefined) return;
  cache.delete(key);
  cachedBytes -= entry.body.length;
}

/**
 * Forgets cached files: all of them, or the one at `filePath` (relative to process.cwd()), matched by
 * the path it was asked for or by its real path.
 */
export function clearFileCache(filePath?: string): void {
  if (filePath === undefined) {
    cache.clear();
    cachedBytes = 0;
    return;
  }
  const abs = path.resolve(filePath);
  forget(abs);
  for (const [key, entry] of cache) if (entry.realPath === abs) forget(key);
}

/**
 * Strong validator from size and modification time (as nginx does): strong, so that `If-Range` can use
 * it; a response that changes the bytes (compression) weakens it.
 */
export function etagOf(size: number, mtimeMs: number): string {
  return `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

export interface CacheLimits {
  /** Files up to this many bytes are read and cached; larger ones are only stat'ed (and streamed). */
  maxFileSize: number;
  /** Most files held at once. */
  maxEntries: number;
  /** Most bytes held at once (file contents). */
  maxBytes: number;
}

export interface LoadOptions extends CacheLimits {
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

/** Still the file we cached: same inode (a re-pointed symlink or a replaced file differs), size and mtime. */
function unchanged(entry: FileInfo, stat: Stats): boolean {
  return stat.isFile() && stat.ino === entry.ino && stat.size === entry.size && stat.mtimeMs === entry.mtimeMs;
}

/** The cached entry for `absPath` if the disk still holds the same file; drops a stale entry. */
async function revalidated(absPath: string): Promise<CachedFile | undefined> {
  const hit = cache.get(absPath);
  if (hit === undefined) return undefined;
  let stat: Stats | undefined;
  try {
    stat = await fsp.stat(absPath);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  // The entry may have been replaced or dropped while we waited for stat.
  if (cache.get(absPath) !== hit) return undefined;
  if (stat === undefined || !unchanged(hit, stat)) {
    forget(absPath);
    return undefined;
  }
  cache.delete(absPath);
  cache.set(absPath, hit);
  return hit;
}

function remember(absPath: string, entry: CachedFile, limits: CacheLimits): void {
  forget(absPath);
  if (entry.body.length > limits.maxBytes || limits.maxEntries < 1) return;
  cache.set(absPath, entry);
  cachedBytes += entry.body.length;
  for (const key of cache.keys()) {
    if (cache.size <= limits.maxEntries && cachedBytes <= limits.maxBytes) break;
    forget(key);
  }
}

/**
 * The regular file at `absPath`, from the cache (after a stat shows it unchanged) or from disk; undefined
 * when it is missing, is not a regular file (directory, FIFO, device), or resolves outside `realRoot`.
 */
export async function loadFile(absPath: string, opts: LoadOptions): Promise<LoadedFile | undefined> {
  if (!opts.reload) {
    const hit = await revalidated(absPath);
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
      ino: stat.ino,
      etag: etagOf(stat.size, stat.mtimeMs),
      lastModified: new Date(stat.mtimeMs).toUTCString(),
      contentType: mimeType(absPath),
    };
    if (stat.size > opts.maxFileSize) return { ...info, body: undefined };
    const body = await fsp.readFile(realPath);
    // The file changed between stat and read: stream it (stat'ed again next time) rather than cache
    // bytes that the metadata does not describe.
    if (body.length !== info.size) return { ...info, body: undefined };
    const entry: CachedFile = { ...info, body };
    remember(absPath, entry, opts);
    return entry;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * A stream of `length` bytes of the file from `start`, that opens the file only when first read, so a
 * response that never sends its body (HEAD, 304, a client gone early) holds no file descriptor.
 */
export class LazyFileStream extends Readable {
  private source: ReadStream | undefined;
  private sent = 0;

  constructor(
    private readonly filePath: string,
    private readonly length: number,
    private readonly start = 0,
  ) {
    super();
  }

  override _read(): void {
    if (this.source) {
      this.source.resume();
      return;
    }
    if (this.length === 0) {
      this.push(null);
      return;
    }
    const source = createReadStream(this.filePath, { start: this.start, end: this.start + this.length - 1 });
    this.source = source;
    source.on('data', (chunk: string | Buffer) => {
      this.sent += chunk.length;
      if (!this.push(chunk)) source.pause();
    });
    source.on('end', () => {
      // The file shrank after it was stat'ed: the promised Content-Length cannot be met, so fail the
      // response (the connection is cut) rather than leave the client waiting for bytes that never come.
      if (this.sent < this.length) this.destroy(new Error(`File shrank while being sent: ${this.filePath}`));
      else this.push(null);
    });
    source.on('error', (err) => this.destroy(err));
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.source?.destroy();
    callback(err);
  }
}
