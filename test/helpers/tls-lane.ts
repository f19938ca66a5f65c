// The TLS lane (KROZEN_TEST_TLS=1, .ci/run tls): every server the test helpers start serves HTTPS and WSS
// with one self-signed certificate (made once per process), bases are https:// and wss://, and raw-socket
// helpers speak TLS (tls.connect, certificate not checked). Unset, everything is plain TCP as before.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { Settings } from '../../lib/settings/index';
import { selfSignedCert } from './self-signed';

/** The lane is on: servers serve TLS, clients speak it. */
export const TEST_TLS = process.env.KROZEN_TEST_TLS === '1';

// fetch (undici) and other clients made inside tests accept the self-signed certificate (read per connect).
if (TEST_TLS) process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

/**
 * The HTTP/2 lane (KROZEN_TEST_HTTP2=1 with KROZEN_TEST_TLS=1): servers also set `http2: true` (h2 and HTTP/1.1
 * by ALPN on the one port), and fetch negotiates h2 (undici's allowH2); raw-socket helpers and WebSocket
 * clients still speak HTTP/1.1 to the same port.
 */
export const TEST_HTTP2 = TEST_TLS && process.env.KROZEN_TEST_HTTP2 === '1';
if (TEST_HTTP2) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Agent } = require('undici') as typeof import('undici');
  // Node's fetch reads its dispatcher from its own realm's global, not from jest's sandbox global: reach that
  // realm through fetch's own Function constructor.
  const nodeGlobal = (fetch.constructor as FunctionConstructor)('return globalThis')() as Record<symbol, unknown>;
  nodeGlobal[Symbol.for('undici.globalDispatcher.1')] = new Agent({
    allowH2: true,
    connect: { rejectUnauthorized: false },
  });
}

let cached: { key: string; cert: string } | undefined;

// A child process (a test's server in its own process, a cluster worker) gets the parent's PEMs through
// these (laneChildEnv): one certificate for the whole test, none made per process.
const KEY_ENV = 'KROZEN_TEST_TLS_KEY';
const CERT_ENV = 'KROZEN_TEST_TLS_CERT';

/**
 * The lane's { key, cert }: the parent's when this process was started with laneChildEnv(), else made on first
 * use (its directory is removed at once, the PEMs kept in memory).
 */
export function laneCert(): { key: string; cert: string } {
  const key = process.env[KEY_ENV];
  const cert = process.env[CERT_ENV];
  if (cached === undefined && key !== undefined && cert !== undefined) cached = { key, cert };
  if (cached === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-tls-lane-'));
    try {
      const { key, cert } = selfSignedCert(dir, 'DNS:localhost,IP:127.0.0.1');
      cached = { key, cert };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return cached;
}

/** `overrides` plus the lane's tls setting (unless the test sets its own). */
export function laneSettings(overrides: Partial<Settings>): Partial<Settings> {
  if (!TEST_TLS || 'tls' in overrides) return overrides;
  if (TEST_HTTP2 && !('http2' in overrides)) return { ...overrides, tls: laneCert(), http2: true };
  return { ...overrides, tls: laneCert() };
}

/** The environment a child process needs to serve the lane's TLS (empty outside the lane). */
export function laneChildEnv(): Record<string, string> {
  if (!TEST_TLS) return {};
  const { key, cert } = laneCert();
  return { KROZEN_TEST_TLS: '1', NODE_TLS_REJECT_UNAUTHORIZED: '0', [KEY_ENV]: key, [CERT_ENV]: cert };
}

/** http://127.0.0.1:port, or https:// in the TLS lane. */
export function httpBase(port: number, host = '127.0.0.1'): string {
  return `${TEST_TLS ? 'https' : 'http'}://${host}:${port}`;
}

/** ws://127.0.0.1:port, or wss:// in the TLS lane. */
export function wsBase(port: number, host = '127.0.0.1'): string {
  return `${TEST_TLS ? 'wss' : 'ws'}://${host}:${port}`;
}

/**
 * A client connection to 127.0.0.1:port: TCP, or TLS in the lane ('connect' still fires first; what is
 * written before the handshake ends waits for it).
 */
export function connectRaw(port: number, host = '127.0.0.1'): net.Socket {
  if (!TEST_TLS) return net.connect(port, host);
  return tls.connect({ port, host, rejectUnauthorized: false });
}

/** The event that says a connectRaw() socket is ready for application bytes. */
export const READY_EVENT = TEST_TLS ? 'secureConnect' : 'connect';

/** http.request, or https.request (certificate not checked) in the TLS lane. */
export function laneRequest(
  options: http.RequestOptions,
  onResponse?: (res: http.IncomingMessage) => void,
): http.ClientRequest {
  if (!TEST_TLS) return http.request(options, onResponse);
  return https.request({ ...options, rejectUnauthorized: false }, onResponse);
}

/** new http.Agent(options), or an https.Agent (certificate not checked) in the TLS lane. */
export function laneAgent(options: http.AgentOptions): http.Agent {
  return TEST_TLS ? new https.Agent({ ...options, rejectUnauthorized: false }) : new http.Agent(options);
}
