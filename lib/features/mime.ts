// Content types by file extension, from the `mime-types` database (mime-db: every IANA type plus the
// common unofficial ones, e.g. .wasm → application/wasm, which WebAssembly.instantiateStreaming needs).
// Text types carry `; charset=utf-8` so browsers never guess the encoding.
import { contentType } from 'mime-types';

export const DEFAULT_MIME_TYPE = 'application/octet-stream';

/** The Content-Type for a file name or path, by its extension (case-insensitive); unknown → octet-stream. */
export function mimeType(filePath: string): string {
  const dot = filePath.lastIndexOf('.');
  // A dot before the last separator belongs to a directory name, not the extension.
  if (dot < 0 || dot < filePath.lastIndexOf('/') || dot < filePath.lastIndexOf('\\')) return DEFAULT_MIME_TYPE;
  const type = contentType(filePath.slice(dot).toLowerCase());
  return type === false ? DEFAULT_MIME_TYPE : type;
}
