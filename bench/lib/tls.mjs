// TLS for the https-get, http2-get-tls and wss-echo suites: one throwaway self-signed certificate per run
// (openssl, P-256, as test/helpers/self-signed.ts makes), handed to the servers by path in BENCH_TLS_KEY /
// BENCH_TLS_CERT; the servers read it back with tlsFromEnv().
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let made = null;

/** The env that gives a server the run's certificate, made on first use and removed when the process exits. */
export function benchCertEnv() {
  if (made) return made;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'krozen-bench-tls-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  args.push('-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=localhost');
  args.push('-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  execFileSync('openssl', args, { stdio: 'ignore' });
  made = { BENCH_TLS_KEY: keyPath, BENCH_TLS_CERT: certPath };
  return made;
}

/** Why TLS servers cannot run here (no openssl), or null. */
export function tlsMissing() {
  try {
    benchCertEnv();
    return null;
  } catch (err) {
    return `cannot make the bench certificate with openssl (${err.message.split('\n')[0]})`;
  }
}

/** For the server files: { key, cert } (Buffers) when the harness passed a certificate, else undefined. */
export function tlsFromEnv(env = process.env) {
  if (!env.BENCH_TLS_KEY || !env.BENCH_TLS_CERT) return undefined;
  return { key: readFileSync(env.BENCH_TLS_KEY), cert: readFileSync(env.BENCH_TLS_CERT) };
}
