// Query string parsing: `+` and %XX decoded, a repeated key keeps the last value,
// malformed percent-encoding is a 400.
import { HttpError } from './http-error';

export function parseQuery(raw: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (raw.length === 0) return out;
  let start = 0;
  while (start <= raw.length) {
    let end = raw.indexOf('&', start);
    if (end === -1) end = raw.length;
    if (end > start) {
      const eq = raw.indexOf('=', start);
      const hasValue = eq !== -1 && eq < end;
      const key = decodeComponent(raw.slice(start, hasValue ? eq : end));
      out[key] = hasValue ? decodeComponent(raw.slice(eq + 1, end)) : '';
    }
    start = end + 1;
  }
  return out;
}

/** Decodes one query component (`+` is a space); throws a 400 on malformed encoding. */
export function decodeComponent(text: string): string {
  const spaced = text.indexOf('+') === -1 ? text : text.replace(/\+/g, ' ');
  if (spaced.indexOf('%') === -1) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    throw new HttpError(400, 'Malformed percent-encoding in query');
  }
}

/** Decodes a pathname (`+` stays `+`); throws a 400 on malformed encoding. */
export function decodePath(path: string): string {
  if (path.indexOf('%') === -1) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    throw new HttpError(400, 'Malformed percent-encoding in path');
  }
}
