/**
 * The centre's TLS identity: a self-signed certificate (EC P-256, 10 years) made once with
 * Debian's `openssl` into KEYS/centre-tls/ (key 0600, certificate 0644). Stations do not trust
 * any CA: they are given this certificate (public) and accept only a server presenting exactly
 * it (shared/transmission/client.ts pins its SHA-256 fingerprint). TLS protects the metadata on
 * the wire; the results themselves are already encrypted to the centre's box key and signed.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { err, ok, type Result } from '../shared/result.ts';

export interface CentreTls {
  readonly key: string;
  readonly cert: string;
  readonly certFile: string;
  /** SHA-256 fingerprint as Node prints it (AA:BB:...). */
  readonly fingerprint256: string;
}

export function tlsDir(keysDir: string): string {
  return path.join(keysDir, 'centre-tls');
}

export function ensureCentreTls(keysDir: string): Result<CentreTls, string> {
  const dir = tlsDir(keysDir);
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  try {
    if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      execFileSync(
        'openssl',
        [
          'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
          '-keyout', keyFile, '-out', certFile, '-days', '3650', '-subj', '/CN=vep-computing-centre',
          '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      fs.chmodSync(keyFile, 0o600);
      fs.chmodSync(certFile, 0o644);
    }
    const cert = fs.readFileSync(certFile, 'utf8');
    const key = fs.readFileSync(keyFile, 'utf8');
    return ok({ key, cert, certFile, fingerprint256: new X509Certificate(cert).fingerprint256 });
  } catch (e) {
    return err(`cannot make or read the centre TLS certificate in ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
