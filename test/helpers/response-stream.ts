// A client's reading of one connection's bytes as HTTP/1.1 responses in order (interim 1xx included),
// framed as a client frames them (RFC 9112 §6.3: 1xx/204/304 no body, chunked, Content-Length, else to
// close; a 101 ends the HTTP part; not for HEAD requests, whose answers have a length and no body), plus
// the checks the attackers make on it: every 100 Continue sits between complete responses and belongs to
// a request that asked for it (an interim answer inside another's body breaks the framing or the body's
// byte pattern, ./byte-pattern.js; one ahead of an earlier final answer is taken for that request's).

export interface StreamedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ResponseStream {
  /** Whole responses, in order. */
  responses: StreamedResponse[];
  /** Bytes after the last whole response (a response still arriving). */
  pending: number;
  /** Not HTTP, or broken framing: what and where. */
  error: string | null;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** Reads `buf` (everything received so far) as responses; `closed`: the server closed (ends a body without length). */
export function parseResponseStream(buf: Buffer, closed: boolean): ResponseStream {
  const responses: StreamedResponse[] = [];
  let pos = 0;
  const result = (error: string | null): ResponseStream => ({ responses, pending: buf.length - pos, error });
  while (pos < buf.length) {
    const headEnd = buf.indexOf(CRLF2, pos);
    if (headEnd === -1) {
      const start = buf.subarray(pos, Math.min(buf.length, pos + 12)).toString('latin1');
      if (!'HTTP/1.1 '.startsWith(start.slice(0, 9)) && !'HTTP/1.0 '.startsWith(start.slice(0, 9))) {
        return result(`not a status line at byte ${pos}: ${JSON.stringify(start)}`);
      }
      return result(null);
    }
    const lines = buf.subarray(pos, headEnd).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?$/.exec(lines[0]);
    if (m === null) return result(`not a status line at byte ${pos}: ${JSON.stringify(lines[0].slice(0, 60))}`);
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) return result(`bad header line at byte ${pos}: ${JSON.stringify(line.slice(0, 60))}`);
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = headEnd + 4;
    if (status === 101) {
      // Switching Protocols: what follows is not HTTP.
      responses.push({ status, headers, body: Buffer.alloc(0) });
      pos = buf.length;
      break;
    }
    if (status < 200 || status === 204 || status === 304) {
      responses.push({ status, headers, body: Buffer.alloc(0) });
      pos = bodyStart;
      continue;
    }
    if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
      const chunked = dechunk(buf, bodyStart);
      if (typeof chunked === 'string') return result(`response ${responses.length + 1}: ${chunked}`);
      if (chunked === null) return result(null);
      responses.push({ status, headers, body: chunked.body });
      pos = chunked.end;
      continue;
    }
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (!Number.isSafeInteger(length) || length < 0) return result(`bad content-length ${headers['content-length']}`);
      if (buf.length < bodyStart + length) return result(null);
      responses.push({ status, headers, body: buf.subarray(bodyStart, bodyStart + length) });
      pos = bodyStart + length;
      continue;
    }
    if (!closed) return result(null);
    responses.push({ status, headers, body: buf.subarray(bodyStart) });
    pos = buf.length;
  }
  return result(null);
}

/** A chunked body from `start`: its bytes and where it ends; null: incomplete; a string: broken framing. */
function dechunk(buf: Buffer, start: number): { body: Buffer; end: number } | null | string {
  const parts: Buffer[] = [];
  let pos = start;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', pos, 'latin1');
    if (lineEnd === -1) return buf.length - pos > 4096 ? `chunk-size line too long at byte ${pos}` : null;
    const sizeText = buf.subarray(pos, lineEnd).toString('latin1').split(';')[0];
    if (!/^[0-9a-fA-F]{1,13}$/.test(sizeText))
      return `bad chunk size ${JSON.stringify(sizeText.slice(0, 40))} at byte ${pos}`;
    const size = parseInt(sizeText, 16);
    pos = lineEnd + 2;
    if (size === 0) {
      // Trailer lines, then the empty line.
      for (;;) {
        const end = buf.indexOf('\r\n', pos, 'latin1');
        if (end === -1) return null;
        const empty = end === pos;
        pos = end + 2;
        if (empty) break;
      }
      return { body: Buffer.concat(parts), end: pos };
    }
    if (buf.length < pos + size + 2) return null;
    parts.push(buf.subarray(pos, pos + size));
    if (buf[pos + size] !== 0x0d || buf[pos + size + 1] !== 0x0a)
      return `chunk data not followed by CRLF at byte ${pos + size}`;
    pos += size + 2;
  }
}

/**
 * The interim-response order check: `asked[i]` says whether request i sent `Expect: 100-continue`. A 100
 * may only come before request i's final response, after request i-1's, when request i asked; any other
 * 1xx (except 101, which ends HTTP) is not expected at all. Returns what is wrong, or null.
 */
export function interimOrderError(responses: StreamedResponse[], asked: boolean[]): string | null {
  let final = 0;
  for (const [at, r] of responses.entries()) {
    if (r.status >= 200 || r.status === 101) {
      final++;
      continue;
    }
    if (r.status !== 100) return `unexpected interim ${r.status} (message ${at + 1})`;
    if (asked[final] !== true) {
      return (
        `100 Continue where the final answer to request ${final + 1} belongs (message ${at + 1}; ` +
        `requests that asked: ${
          asked
            .map((a, i) => (a ? i + 1 : 0))
            .filter(Boolean)
            .join(', ') || 'none'
        })`
      );
    }
  }
  return null;
}
