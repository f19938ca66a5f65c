// Runs the curl binary (a real client, separate from Node's) and parses what it received.
import { execFile } from 'node:child_process';
import { TEST_TLS } from './tls-lane';

export interface CurlReply {
  status: number;
  /** Lower-case names; the last value of a repeated header. */
  headers: Record<string, string>;
  /** Every header line, in order (repeated headers such as set-cookie). */
  headerLines: Array<[string, string]>;
  body: Buffer;
}

/** `curl -sS -i <args> <url>`: resolves with the last response's status, headers and body bytes. */
export function curl(url: string, args: string[] = []): Promise<CurlReply> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      // The TLS lane's self-signed certificate: -k (a test that checks certificates passes --no-insecure).
      ['-sS', '-i', '--max-time', '20', ...(TEST_TLS ? ['-k'] : []), ...args, url],
      { encoding: 'buffer', maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`curl failed: ${err.message}\n${stderr.toString()}`));
          return;
        }
        resolve(parseCurl(stdout));
      },
    );
  });
}

function parseCurl(out: Buffer): CurlReply {
  let start = 0;
  // Skip interim responses (100 Continue) and, with -L, earlier hops: the last head wins.
  for (;;) {
    const end = out.indexOf('\r\n\r\n', start);
    if (end === -1) throw new Error(`no header block in curl output: ${out.toString('latin1', 0, 200)}`);
    const head = out.toString('latin1', start, end);
    const lines = head.split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const rest = out.subarray(end + 4);
    if (status >= 100 && status < 200 && rest.toString('latin1', 0, 5) === 'HTTP/') {
      start = end + 4;
      continue;
    }
    const headers: Record<string, string> = {};
    const headerLines: Array<[string, string]> = [];
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = value;
      headerLines.push([name, value]);
    }
    return { status, headers, headerLines, body: rest };
  }
}
