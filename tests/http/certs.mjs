// certs.mjs — a throwaway CA and certificates for localhost, made with
// openssl in a temporary directory, for the HTTPS and nginx tests.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const openssl = (...args) => {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};

/** A new CA in a new directory; returns {dir, ca, issue(name) -> {cert, key}}. */
export function testCA() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-certs-'));
  const f = (n) => path.join(dir, n);
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'),
    '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=stamprally test CA');
  fs.writeFileSync(f('ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  return {
    dir,
    ca: f('ca.pem'),
    /** A key and certificate for localhost (CN "localhost NAME") signed by the CA. */
    issue(name) {
      openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${name}.key`),
        '-out', f(`${name}.csr`), '-subj', `/CN=localhost ${name}`);
      openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
        '-out', f(`${name}.pem`), '-days', '2', '-extfile', f('ext'));
      return { cert: f(`${name}.pem`), key: f(`${name}.key`) };
    },
  };
}
