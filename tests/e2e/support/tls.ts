import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away TLS key and certificate (PEM). */
export interface Certificate {
  readonly key: Buffer;
  readonly cert: Buffer;
}

const made = new Map<string, Certificate>();

/**
 * A self-signed EC (P-256) certificate valid for one day, made with `openssl` once per test
 * worker for each subject, for the tests' local HTTPS servers.
 * @param commonName the subject's CN, e.g. `127.0.0.1` or `open.spotify.com`.
 * @param subjectAltName the `subjectAltName` extension, e.g. `IP:127.0.0.1` or `DNS:a,DNS:b`.
 * @throws Error naming the install command when `openssl` is missing; Node's error (with openssl's
 *   stderr) when it fails.
 */
export function selfSignedCertificate(commonName: string, subjectAltName: string): Certificate {
  const key = `${commonName}|${subjectAltName}`;
  const known = made.get(key);
  if (known) return known;
  const dir = mkdtempSync(join(tmpdir(), 'pp-tls-'));
  try {
    const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    try {
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${subjectAltName}`],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') throw new Error('No openssl on the PATH: the local HTTPS servers need it for their certificates; install it (Debian: apt-get install -y openssl)', { cause: error });
      throw error;
    }
    const certificate = { key: readFileSync(keyFile), cert: readFileSync(certFile) };
    made.set(key, certificate);
    return certificate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
