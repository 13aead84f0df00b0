// A throwaway certificate authority for TLS tests (openssl): a CA and server certificates it
// signs for given DNS names and IP addresses.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './tools';

export interface TestCa {
  /** The CA certificate (PEM): what clients trust, as ca.crt. */
  readonly caFile: string;
  /** A server certificate and key signed by the CA, in `dir`. */
  issue(dir: string, names: { dns?: string[]; ips?: string[] }): Promise<{ certFile: string; keyFile: string }>;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function makeTestCa(dir: string, name = 'hcr test CA'): Promise<TestCa> {
  mkdirSync(dir, { recursive: true });
  const caFile = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  await run('openssl', ['req', '-x509', ...EC_KEY, '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', `/CN=${name}`]);
  let serial = 0;
  return {
    caFile,
    async issue(out, names) {
      mkdirSync(out, { recursive: true });
      serial += 1;
      const base = join(out, `server-${serial}`);
      const alt = [...(names.dns ?? []).map((n) => `DNS:${n}`), ...(names.ips ?? []).map((ip) => `IP:${ip}`)].join(',');
      writeFileSync(`${base}.ext`, `subjectAltName=${alt}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`);
      await run('openssl', ['req', ...EC_KEY, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${names.dns?.[0] ?? names.ips?.[0] ?? 'hcr'}`]);
      await run('openssl', ['x509', '-req', '-in', `${base}.csr`, '-CA', caFile, '-CAkey', caKey, '-set_serial', String(Date.now() + serial), '-out', `${base}.crt`, '-days', '2', '-extfile', `${base}.ext`]);
      return { certFile: `${base}.crt`, keyFile: `${base}.key` };
    },
  };
}
