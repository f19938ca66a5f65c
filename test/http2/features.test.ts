// settings.http2: the pipeline's features over HTTP/2, with two real clients (node:http2 and curl) over
// h2 (TLS, ALPN) and h2c (prior knowledge). The same table, four ways: each feature behaves as on HTTP/1.1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type http2 from 'node:http2';
import { startServer, type TestServer } from '../fixtures/wire';
import { selfSignedCert, type SelfSigned } from '../helpers/self-signed';
import { CASES, featureApp, type Send } from './app';
import { curlClient, nodeClient } from './clients';

let dir: string;
let cert: SelfSigned;
let tls: TestServer;
let h2c: TestServer;
const sessions: http2.ClientHttp2Session[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-h2-'));
  cert = selfSignedCert(dir, 'DNS:localhost,IP:127.0.0.1');
  const common = { maxBodySize: 256 * 1024, baseDir: dir };
  tls = await startServer({ ...common, http2: true, tls: { key: cert.key, cert: cert.cert } }, (app) =>
    featureApp(app, dir),
  );
  h2c = await startServer({ ...common, http2: 'h2c' }, (app) => featureApp(app, dir));
});

afterAll(async () => {
  for (const s of sessions) s.close();
  await Promise.all([tls?.stop(), h2c?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

function nodeSend(origin: string, ca?: string): Send {
  const { send, session } = nodeClient(origin, ca);
  sessions.push(session);
  return send;
}

const CLIENTS: Array<[string, () => Send]> = [
  ['node:http2 over TLS (h2)', () => nodeSend(`https://127.0.0.1:${tls.port}`, cert.cert)],
  ['node:http2 h2c', () => nodeSend(`http://127.0.0.1:${h2c.port}`)],
  ['curl --http2 over TLS', () => curlClient(`https://127.0.0.1:${tls.port}`, ['--http2', '--cacert', cert.certPath])],
  ['curl --http2-prior-knowledge (h2c)', () => curlClient(`http://127.0.0.1:${h2c.port}`, ['--http2-prior-knowledge'])],
];

describe.each(CLIENTS)('%s', (_name, makeClient) => {
  let send: Send;
  beforeAll(() => {
    send = makeClient();
  });
  test.each(CASES)('%s', async (_case, check) => {
    await check(send);
  });
});
