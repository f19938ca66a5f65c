// Runs h2load (nghttp2-client: the HTTP/2 load generator) for the http2 suites and parses its report.
import { spawnSync } from 'node:child_process';
import http2 from 'node:http2';
import { runLoadTool } from './wrk.mjs';

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
 * https://), or -n<requests> instead of -D when `requests` is given (`seconds` then only bounds the run).
 * Also returns h2load's own CPU time (µs), read from this process's reaped-children counters.
 */
export function runH2load({ url, seconds = 45, requests, connections = 50, streams = 10 }, onStart = () => {}) {
  seconds = Math.max(1, Math.round(seconds));
  const args = ['-t1', `-c${connections}`, `-m${streams}`, requests ? `-n${requests}` : `-D${seconds}`, url];
  return runLoadTool('h2load', args, seconds, parseH2load, onStart);
}

const CALIBRATION_REQUESTS = 2000;

/**
 * A runH2load for h2 over TLS that sizes each run by request count (-n) to last about `seconds`, from the rate of
 * the run before (the first call calibrates on 2,000 requests, outside the window). h2load 1.52's timing mode
 * (-D) can hang after its window when a client is still in its TLS handshake (seen on a busy host, first run
 * against a fresh server); -n always ends. So the measured window lasts about, not exactly, `seconds`.
 */
export function h2loadByCount() {
  let rate = null;
  return async ({ url, seconds }, onStart = () => {}) => {
    if (rate === null) rate = (await runH2load({ url, requests: CALIBRATION_REQUESTS })).rate;
    const block = 500; // a multiple of connections × streams, so every stream gets the same share
    const requests = Math.max(CALIBRATION_REQUESTS, Math.ceil((rate * seconds) / block) * block);
    const result = await runH2load({ url, requests, seconds: 3 * seconds + 30 }, onStart);
    rate = result.rate;
    return result;
  };
}

/** One GET over h2c (or h2 over TLS, scheme 'https'); throws unless it answers { message: 'Hello, World!' }. */
export function checkH2Route(port, route, scheme = 'http') {
  return new Promise((resolve, reject) => {
    // The run's certificate is self-signed: not verified here (nor by h2load).
    const session = http2.connect(`${scheme}://127.0.0.1:${port}`, { rejectUnauthorized: false });
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
      else
        reject(new Error(`${scheme === 'https' ? 'h2' : 'h2c'} GET ${route} answered ${status} ${text.slice(0, 120)}`));
    });
    req.on('error', reject);
    req.end();
  });
}
