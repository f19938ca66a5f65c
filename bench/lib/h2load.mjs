// Runs h2load (nghttp2-client: the HTTP/2 load generator) for the http2 suites and parses its report.
import { spawn, spawnSync } from 'node:child_process';
import http2 from 'node:http2';
import { track } from './children.mjs';
import { reapedChildrenCpuMicros } from './proc.mjs';

export function h2loadMissing() {
  const probe = spawnSync('h2load', ['--version'], { encoding: 'utf8' });
  if (probe.error) return 'h2load is not installed (apt-get install -y nghttp2-client)';
  return null;
}

const UNIT_MICROS = { us: 1, ms: 1e3, s: 1e6 };

export function parseH2load(out) {
  const done = /finished in ([\d.]+)(us|ms|s), ([\d.]+) req\/s/.exec(out);
  const requests =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
  const status = /status codes: \d+ 2xx, \d+ 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  if (!done || !requests) throw new Error(`cannot parse h2load output:\n${out}`);
  const refused = status ? Number(status[1]) + Number(status[2]) : 0;
  return {
    requests: Number(requests[3]),
    seconds: (Number(done[1]) * UNIT_MICROS[done[2]]) / 1e6,
    rate: Number(done[3]),
    // h2load reports min / max / mean per request, no percentiles.
    p50: null,
    p99: null,
    errors: Number(requests[5]) + Number(requests[6]) + refused,
  };
}

/**
 * h2load -t1 -c<connections> -m<streams> -D<seconds> url (h2c by prior knowledge for http://, h2 by ALPN for
 * https://). Also returns h2load's own CPU time (µs), read from this process's reaped-children counters.
 */
export function runH2load({ url, seconds, connections = 50, streams = 10 }, onStart = () => {}) {
  seconds = Math.max(1, Math.round(seconds));
  const args = ['-t1', `-c${connections}`, `-m${streams}`, `-D${seconds}`, url];
  return new Promise((resolve, reject) => {
    onStart();
    const before = reapedChildrenCpuMicros();
    const child = track(spawn('h2load', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 15) * 1000);
    child.once('error', (err) => {
      clearTimeout(killer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(killer);
      if (code !== 0) return reject(new Error(`h2load exited with ${code}: ${out.trim()}`));
      try {
        resolve({ ...parseH2load(out), clientCpuMicros: reapedChildrenCpuMicros() - before });
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** One GET over h2c; throws unless it answers { message: 'Hello, World!' }. */
export function checkH2Route(port, route) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const req = session.request({ ':path': route });
    let status = 0;
    let text = '';
    req.on('response', (h) => (status = h[':status']));
    req.setEncoding('utf8');
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      session.close();
      if (status === 200 && text === '{"message":"Hello, World!"}') resolve();
      else reject(new Error(`h2c GET ${route} answered ${status} ${text.slice(0, 120)}`));
    });
    req.on('error', reject);
    req.end();
  });
}
