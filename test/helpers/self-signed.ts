// A throwaway self-signed certificate for TLS tests, made by openssl in `dir` (P-256, one day, CN=localhost unless named).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SelfSigned {
  key: string;
  cert: string;
  keyPath: string;
  certPath: string;
}

/** `san`: the subjectAltName extension (e.g. 'IP:127.0.0.1'), or undefined for none; `cn` also names the files. */
export function selfSignedCert(dir: string, san?: string, cn = 'localhost'): SelfSigned {
  const name = cn === 'localhost' ? '' : `${cn}-`;
  const keyPath = path.join(dir, `${name}key.pem`);
  const certPath = path.join(dir, `${name}cert.pem`);
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  args.push('-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', `/CN=${cn}`);
  if (san !== undefined) args.push('-addext', `subjectAltName=${san}`);
  execFileSync('openssl', args, { stdio: 'ignore' });
  return { key: fs.readFileSync(keyPath, 'utf8'), cert: fs.readFileSync(certPath, 'utf8'), keyPath, certPath };
}
