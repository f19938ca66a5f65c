// Content types by file extension: pykrozen's list plus a few aliases (htm, jpeg, mjs).
// Text types carry `; charset=utf-8` so browsers never guess the encoding.

const UTF8 = '; charset=utf-8';

/** Lower-case extension (no dot) → Content-Type. */
export const MIME_TYPES: Readonly<Record<string, string>> = Object.freeze({
  html: 'text/html' + UTF8,
  htm: 'text/html' + UTF8,
  css: 'text/css' + UTF8,
  js: 'text/javascript' + UTF8,
  mjs: 'text/javascript' + UTF8,
  json: 'application/json' + UTF8,
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml' + UTF8,
  ico: 'image/x-icon',
  webp: 'image/webp',
  pdf: 'application/pdf',
  txt: 'text/plain' + UTF8,
  xml: 'application/xml' + UTF8,
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
});

export const DEFAULT_MIME_TYPE = 'application/octet-stream';

/** The Content-Type for a file name or path, by its extension (case-insensitive). */
export function mimeType(filePath: string): string {
  const dot = filePath.lastIndexOf('.');
  // A dot before the last separator belongs to a directory name, not the extension.
  if (dot < 0 || dot < filePath.lastIndexOf('/') || dot < filePath.lastIndexOf('\\')) return DEFAULT_MIME_TYPE;
  const ext = filePath.slice(dot + 1).toLowerCase();
  return Object.prototype.hasOwnProperty.call(MIME_TYPES, ext) ? MIME_TYPES[ext] : DEFAULT_MIME_TYPE;
}
