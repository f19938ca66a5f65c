// Two real HTTP/2 clients for the feature table: node:http2 (one session, many streams) and curl
// (nghttp2 inside; --http2 over TLS by ALPN, --http2-prior-knowledge for h2c). Both check what was
// negotiated: the node session's alpnProtocol, curl's %{http_version}.
import http2 from 'node:http2';
import { spawn } from 'node:child_process';
import type { Reply, Send, SendOptions } from './app';

/** A session to `origin` (https: trusts `ca`) and a Send over it. */
export function nodeClient(origin: string, ca?: string): { send: Send; session: http2.ClientHttp2Session } {
  const session = http2.connect(origin, ca === undefined ? {} : { ca, servername: 'localhost' });
  session.on('error', () => undefined);
  const send: Send = (path, opts = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const req = session.request({ ':method': opts.method ?? 'GET', ':path': path, ...opts.headers });
      const chunks: Buffer[] = [];
      let status = 0;
      const headers: Record<string, string> = {};
      req.on('response', (h) => {
        status = Number(h[':status']);
        for (const [k, v] of Object.entries(h))
          if (!k.startsWith(':') && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve({ status, headers, body: Buffer.concat(chunks) }));
      req.on('error', reject);
      // The server may answer (413) and close the stream before the whole body was sent.
      req.end(opts.body);
    });
  return { send, session };
}

/** curl with `args` (e.g. ['--http2-prior-knowledge']) against `base`; asserts HTTP/2 was used. */
export function curlClient(base: string, args: string[]): Send {
  return (path, opts: SendOptions = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const argv = ['-sS', '-i', '--max-time', '20', ...args, '-w', '\n%{http_version}'];
      const method = opts.method ?? 'GET';
      if (method === 'HEAD') argv.push('--head');
      else if (method !== 'GET') argv.push('-X', method);
      for (const [k, v] of Object.entries(opts.headers ?? {})) argv.push('-H', `${k}: ${v}`);
      if (opts.body !== undefined) argv.push('--data-binary', '@-');
      argv.push(base + path);
      const child = spawn('curl', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.body);
      child.on('error', reject);
      child.on('close', (code) => {
        const all = Buffer.concat(out);
        // curl exits 0 after an answer even when the server reset the rest of an upload (a 413).
        if (code !== 0 && all.indexOf('\r\n\r\n') === -1) {
          reject(new Error(`curl exited ${code}: ${Buffer.concat(err).toString()}`));
          return;
        }
        resolve(parseCurl(all));
      });
    });
}

function parseCurl(all: Buffer): Reply {
  const tail = all.lastIndexOf('\n');
  const version = all.toString('latin1', tail + 1);
  if (version !== '2') throw new Error(`curl spoke HTTP/${version}, not HTTP/2`);
  const out = all.subarray(0, tail);
  const end = out.indexOf('\r\n\r\n');
  const lines = out.toString('latin1', 0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(lines[0].split(' ')[1]), headers, body: out.subarray(end + 4) };
}
