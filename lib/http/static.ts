// serveStatic's handler and the file() helper.
// Files are cached in memory after the first read and served from memory until clearFileCache() or
// file(..., { reload: true }) (pykrozen's behaviour): a cache hit does no syscall at all, so a file
// changed on disk keeps its old bytes until cleared. Files over staticCacheMaxFileSize are stat'ed on
// every request and streamed, never cached.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../settings';
import { settings as globalSettings } from '../settings';
import type { Handler, HandlerResult, Request, ResponseInit } from './types';
import { cachedFile, LazyFileStream, loadFile, type LoadedFile } from './file-cache';

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

function staticRoot(current: StaticRoot | undefined, baseDir: string): StaticRoot {
  if (current && current.baseDir === baseDir) return current;
  return { baseDir, root: path.resolve(baseDir, 'static'), realRoot: undefined };
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

function validatorHeaders(file: LoadedFile, contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    etag: file.etag,
    'last-modified': file.lastModified,
    // Browsers revalidate (cheap, 304) instead of guessing freshness from Last-Modified.
    'cache-control': 'no-cache',
  };
}

/** The response for a found file: 304, the cached bytes, or a stream of a big file. */
function fileResponse(file: LoadedFile, req: Request | undefined, status: number, contentType: string): ResponseInit {
  const headers = validatorHeaders(file, contentType);
  if (req !== undefined && status === 200 && isNotModified(req, file.etag, file.mtimeMs)) {
    return { status: 304, headers };
  }
  if (file.body !== undefined) return { status, body: file.body, headers };
  headers['content-length'] = String(file.size);
  return { status, body: new LazyFileStream(file.realPath, file.size), headers };
}

/**
 * GET `<prefix>/*path` → `<settings.baseDir>/static/<path>`. baseDir is read on every request (it may be
 * set after the route is added). Anything that could leave the root is answered like a missing file.
 */
export function createStaticHandler(settings: Settings, prefix: string): Handler {
  if (typeof prefix !== 'string') throw new TypeError('serveStatic prefix must be a string');
  let root: StaticRoot | undefined;

  return function serveStaticFile(req: Request): HandlerResult | Promise<HandlerResult> {
    const rel = req.params.path ?? '';
    if (!isSafeRelativePath(rel)) return notFound();
    root = staticRoot(root, settings.baseDir);
    const absPath = root.root + path.sep + rel;
    const hit = cachedFile(absPath);
    if (hit) return fileResponse(hit, req, 200, hit.contentType);
    return loadFromDisk(root, absPath, settings.staticCacheMaxFileSize, req);
  };
}

async function loadFromDisk(root: StaticRoot, absPath: string, maxCacheSize: number, req: Request): Promise<ResponseInit> {
  if (root.realRoot === undefined) {
    try {
      root.realRoot = await fsp.realpath(root.root);
    } catch {
      return notFound(); // no static directory (yet)
    }
  }
  const file = await loadFile(absPath, { maxCacheSize, realRoot: root.realRoot });
  return file ? fileResponse(file, req, 200, file.contentType) : notFound();
}

export interface FileOptions {
  /** Overrides the type guessed from the extension. */
  contentType?: string;
  /** Default 200. */
  status?: number;
  /** Read the file again even if it is cached (and cache the new bytes). */
  reload?: boolean;
}

/**
 * A response with a file's bytes, for handlers: `return file('pages/index.html')`. Relative paths are
 * resolved against process.cwd(). Cached like static files (the global settings.staticCacheMaxFileSize
 * decides what is cached and what is streamed). Missing or not a regular file → 404.
 */
export async function file(filePath: string, opts: FileOptions = {}): Promise<ResponseInit> {
  if (typeof filePath !== 'string' || filePath.length === 0 || filePath.includes('\0')) return notFound();
  const loaded = await loadFile(path.resolve(filePath), {
    maxCacheSize: globalSettings.staticCacheMaxFileSize,
    reload: opts.reload === true,
  });
  if (!loaded) return notFound();
  return fileResponse(loaded, undefined, opts.status ?? 200, opts.contentType ?? loaded.contentType);
}
