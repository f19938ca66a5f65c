// serveStatic's handler and the file() helper.
// Small files are cached in memory (bounded: settings.staticCacheMaxEntries / staticCacheMaxBytes) and
// each hit is checked against the disk with one stat, so a changed file is served fresh. Files over
// staticCacheMaxFileSize are stat'ed on every request and streamed, never cached. Dotfiles are refused
// unless allowed; Range/If-Range give 206/416 (range.ts).
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../settings/index';
import { settings as globalSettings } from '../settings/index';
import type { Handler, HandlerResult, HeaderValue, Request, ResponseInit } from '../http/types';
import { LazyFileStream, loadFile, type CacheLimits, type LoadedFile, type LoadOptions } from './file-cache';
import { acceptedCodings, isCompressible } from '../http/compress';
import { ifRangeMatches, parseRange, type RangeDecision } from './range';
import { ErrorCode, KrozenTypeError } from '../base/errors';

export { clearFileCache } from './file-cache';

const NOT_FOUND = 'File not found';

function notFound(): ResponseInit {
  return { status: 404, body: { error: NOT_FOUND } };
}

/**
 * True when `rel` (the decoded route tail) names something under the root: no empty, `.` or `..`
 * segment (an empty first segment is `//abs/path`), no NUL byte, no backslash.
 */
export function isSafeRelativePath(rel: string): boolean {
  const n = rel.length;
  if (n === 0) return false;
  let segStart = 0;
  // One pass over the characters (hot path): i === n closes the last segment.
  for (let i = 0; i <= n; i++) {
    const c = i < n ? rel.charCodeAt(i) : 47;
    if (c === 0 || c === 92 /* \\ */) return false;
    if (c !== 47 /* / */) continue;
    const len = i - segStart;
    if (len === 0) return false;
    if (len <= 2 && rel.charCodeAt(segStart) === 46 /* . */ && (len === 1 || rel.charCodeAt(segStart + 1) === 46)) {
      return false;
    }
    segStart = i + 1;
  }
  return true;
}

/** The static root for a base directory, and its real path (symlinks resolved) once known. */
interface StaticRoot {
  baseDir: string;
  root: string;
  realRoot: string | undefined;
}

function staticRoot(current: StaticRoot | undefined, baseDir: string, dir: string): StaticRoot {
  if (current && current.baseDir === baseDir) return current;
  // An absolute `dir` ignores baseDir.
  return { baseDir, root: path.resolve(baseDir, dir), realRoot: undefined };
}

/** 304 when the client's validators still match the file (If-None-Match wins over If-Modified-Since). */
export function isNotModified(req: Request, etag: string, mtimeMs: number): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) return etagMatches(inm, etag);
  const ims = req.headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  // An unparsable date is ignored (RFC 9110 13.1.3); HTTP dates have one-second resolution.
  return !Number.isNaN(since) && Math.floor(mtimeMs / 1000) <= Math.floor(since / 1000);
}

/** Weak comparison against a comma-separated If-None-Match list (or `*`). */
function etagMatches(header: string, etag: string): boolean {
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const raw of header.split(',')) {
    const tag = raw.trim();
    if (tag === '*') return true;
    if ((tag.startsWith('W/') ? tag.slice(2) : tag) === opaque) return true;
  }
  return false;
}

/** serveStatic's options (all optional). */
export interface StaticOptions {
  /**
   * The directory served under the prefix: absolute, or relative to settings.baseDir (default 'static').
   * Each serveStatic call may have its own.
   */
  root?: string;
  /**
   * Files and directories whose name starts with a dot (`.env`, `.git/`): 'deny' (default) answers 404 as
   * for a missing file; 'allow' serves them.
   */
  dotfiles?: 'deny' | 'allow';
  /** File served for a directory path ending in `/` (and for the prefix itself), e.g. 'index.html'. Default: none (404). */
  index?: string | false;
  /** Cache-Control as given (wins over maxAge/immutable). Default `no-cache`: browsers revalidate (cheap 304s). */
  cacheControl?: string;
  /** Seconds a browser may use the file without asking: `public, max-age=N`. */
  maxAge?: number;
  /**
   * Serve `<file>.br` / `<file>.gz` (made at build time) instead of compressing on the fly, when the client
   * accepts the coding and the sibling exists (default true; needs settings.compression).
   */
  precompressed?: boolean;
  /** Adds `immutable` (for hashed file names that never change): `public, max-age=N, immutable` (N default one year). */
  immutable?: boolean;
}

const ONE_YEAR = 31_536_000;

/** The Cache-Control value for static files served with `opts`. */
export function cacheControlFor(opts: StaticOptions): string {
  if (opts.cacheControl !== undefined) return opts.cacheControl;
  if (opts.immutable) return `public, max-age=${opts.maxAge ?? ONE_YEAR}, immutable`;
  if (opts.maxAge !== undefined) return `public, max-age=${opts.maxAge}`;
  // Browsers revalidate (cheap, 304) instead of guessing freshness from Last-Modified.
  return 'no-cache';
}

function validatorHeaders(file: LoadedFile, contentType: string, cacheControl: string): Record<string, string> {
  return {
    'content-type': contentType,
    etag: file.etag,
    'last-modified': file.lastModified,
    'cache-control': cacheControl,
    'accept-ranges': 'bytes',
  };
}

/** The response for a found file: 304, 206/416 for a Range, the cached bytes, or a stream of a big file. */
function fileResponse(
  file: LoadedFile,
  req: Request | undefined,
  status: number,
  contentType: string,
  cacheControl: string,
): ResponseInit {
  const headers: Record<string, string> = validatorHeaders(file, contentType, cacheControl);
  if (req !== undefined && status === 200) {
    if (isNotModified(req, file.etag, file.mtimeMs)) return { status: 304, headers };
    const range = requestedRange(req, file);
    if (range === 'unsatisfiable') {
      return {
        status: 416,
        body: { error: 'Range Not Satisfiable' },
        headers: { 'content-range': `bytes */${file.size}` },
      };
    }
    if (range !== undefined) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${file.size}`;
      const length = range.end - range.start + 1;
      if (file.body !== undefined)
        return { status: 206, body: file.body.subarray(range.start, range.end + 1), headers };
      headers['content-length'] = String(length);
      return { status: 206, body: new LazyFileStream(file.realPath, length, range.start), headers };
    }
  }
  if (file.body !== undefined) return { status, body: file.body, headers };
  headers['content-length'] = String(file.size);
  return { status, body: new LazyFileStream(file.realPath, file.size), headers };
}

function requestedRange(req: Request, file: LoadedFile): RangeDecision {
  const range = req.headers.range;
  if (range === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) return undefined;
  const ifRange = req.headers['if-range'] as string | undefined;
  if (ifRange !== undefined && !ifRangeMatches(ifRange, file.etag, file.lastModified)) return undefined;
  return parseRange(range, file.size);
}

/** True when a segment of `rel` starts with a dot (`.env`, `.git/config`). */
function hasDotSegment(rel: string): boolean {
  return rel.charCodeAt(0) === 46 || rel.includes('/.');
}

/**
 * GET `<prefix>/*path` → `<root>/<path>`, root being `opts.root` (default 'static') resolved against
 * settings.baseDir, which is read on every request (it may be set after the route is added). Anything
 * that could leave the root is answered like a missing file.
 */
export function createStaticHandler(settings: Settings, prefix: string, opts: StaticOptions = {}): Handler {
  if (typeof prefix !== 'string')
    throw new KrozenTypeError(ErrorCode.INVALID_OPTION, 'serveStatic prefix must be a string');
  const index = opts.index === undefined || opts.index === false ? undefined : opts.index;
  if (index !== undefined && (!isSafeRelativePath(index) || index.includes('/'))) {
    throw new KrozenTypeError(
      ErrorCode.INVALID_OPTION,
      `serveStatic index must be a plain file name, got ${JSON.stringify(index)}`,
    );
  }
  const allowDotfiles = opts.dotfiles === 'allow';
  if (opts.dotfiles !== undefined && opts.dotfiles !== 'allow' && opts.dotfiles !== 'deny') {
    throw new KrozenTypeError(
      ErrorCode.INVALID_OPTION,
      `serveStatic dotfiles must be 'deny' or 'allow', got ${JSON.stringify(opts.dotfiles)}`,
    );
  }
  const dir = opts.root ?? 'static';
  if (typeof dir !== 'string' || dir.length === 0 || dir.includes('\0')) {
    throw new KrozenTypeError(
      ErrorCode.INVALID_OPTION,
      `serveStatic root must be a directory path, got ${JSON.stringify(opts.root)}`,
    );
  }
  const cacheControl = cacheControlFor(opts);
  const precompressed = opts.precompressed !== false;
  let root: StaticRoot | undefined;

  return function serveStaticFile(req: Request): Promise<HandlerResult> {
    let rel = req.params.path ?? '';
    if (index !== undefined && (rel === '' || rel.endsWith('/'))) rel += index;
    if (!isSafeRelativePath(rel) || (!allowDotfiles && hasDotSegment(rel))) return Promise.resolve(notFound());
    root = staticRoot(root, settings.baseDir, dir);
    return loadFromDisk(root, root.root + path.sep + rel, settings, req, cacheControl, precompressed);
  };
}

async function loadFromDisk(
  root: StaticRoot,
  absPath: string,
  settings: Settings,
  req: Request,
  cacheControl: string,
  precompressed: boolean,
): Promise<ResponseInit> {
  if (root.realRoot === undefined) {
    try {
      root.realRoot = await fsp.realpath(root.root);
    } catch {
      return notFound(); // no static directory (yet)
    }
  }
  const limits = { ...cacheLimits(settings), realRoot: root.realRoot };
  const file = await loadFile(absPath, limits);
  if (!file) return notFound();
  if (precompressed && settings.compression) {
    const sibling = await precompressedSibling(absPath, file, req, limits);
    if (sibling !== undefined) return sibling;
  }
  return fileResponse(file, req, 200, file.contentType, cacheControl);

  /** `<file>.br` / `<file>.gz` when the client accepts that coding and the sibling exists (not for a Range). */
  async function precompressedSibling(
    abs: string,
    original: LoadedFile,
    r: Request,
    opts: LoadOptions,
  ): Promise<ResponseInit | undefined> {
    const accept = r.headers['accept-encoding'];
    if (accept === undefined || r.headers.range !== undefined || !isCompressible(original.contentType))
      return undefined;
    for (const coding of acceptedCodings(accept, PRECOMPRESSED)) {
      const sibling = await loadFile(abs + SIBLING_EXT[coding], opts);
      if (sibling === undefined) continue;
      const res = fileResponse(sibling, r, 200, original.contentType, cacheControl);
      const headers = res.headers as Record<string, HeaderValue>;
      if (res.status !== 304) headers['content-encoding'] = coding;
      delete headers['accept-ranges'];
      headers.vary = 'Accept-Encoding';
      return res;
    }
    return undefined;
  }
}

const PRECOMPRESSED = ['br', 'gzip'];
const SIBLING_EXT: Record<string, string> = { br: '.br', gzip: '.gz' };

function cacheLimits(settings: Settings): CacheLimits {
  return {
    maxFileSize: settings.staticCacheMaxFileSize,
    maxEntries: settings.staticCacheMaxEntries,
    maxBytes: settings.staticCacheMaxBytes,
  };
}

export interface FileOptions {
  /** Overrides the type guessed from the extension. */
  contentType?: string;
  /** Default 200. */
  status?: number;
  /** Read the file again without even the stat that revalidates a cached entry (and cache the new bytes). */
  reload?: boolean;
  /**
   * The request being answered: with it, Range / If-Range give 206 or 416 and If-None-Match /
   * If-Modified-Since a 304, as for static files (only when `status` is 200).
   */
  req?: Request;
}

/**
 * A response with a file's bytes, for handlers: `return file('pages/index.html')`. Relative paths are
 * resolved against process.cwd(). Cached like static files (the global settings.staticCacheMaxFileSize
 * decides what is cached and what is streamed). Missing or not a regular file → 404. Pass `{ req }` for
 * Range and conditional requests.
 */
export async function file(filePath: string, opts: FileOptions = {}): Promise<ResponseInit> {
  if (typeof filePath !== 'string' || filePath.length === 0 || filePath.includes('\0')) return notFound();
  const loaded = await loadFile(path.resolve(filePath), {
    ...cacheLimits(globalSettings),
    reload: opts.reload === true,
  });
  if (!loaded) return notFound();
  return fileResponse(loaded, opts.req, opts.status ?? 200, opts.contentType ?? loaded.contentType, 'no-cache');
}
