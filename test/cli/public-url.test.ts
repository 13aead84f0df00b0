// `--public-url` / GATEWAY_PUBLIC_URL of `hcr gateway` and `hcr dev`: a value that is not an
// http(s) URL of a host is refused before anything starts, naming the flag (or the variable) and
// the fix; a good one is the realm of the gateway's challenges and, without --public-host, the
// domain login tokens name.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchGateway } from '../../src/cli/commands/gateway';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { collect, expectExit, spawnHcr } from './helpers/run-hcr';

function hcr(args: string[], env: Record<string, string> = {}) {
  const base: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('GATEWAY_PUBLIC_URL' in env)) delete base.GATEWAY_PUBLIC_URL;
  return collect(spawnHcr(args, base), args.join(' '));
}

describe('--public-url', { timeout: 300_000 }, () => {
  test('refuses a URL with a path, another scheme or no scheme, naming the flag and the fix', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['gateway', '--public-url', 'https://registry.example.com/v2'], {}, /option '--public-url <url>' argument 'https:\/\/registry\.example\.com\/v2' is invalid\. It is a URL with a path/],
      [['gateway', '--public-url', 'registry.example.com'], {}, /'--public-url <url>' argument 'registry\.example\.com' is invalid\. It is not a URL/],
      [['gateway'], { GATEWAY_PUBLIC_URL: 'ftp://registry.example.com' }, /'--public-url <url>' value 'ftp:\/\/registry\.example\.com' from env 'GATEWAY_PUBLIC_URL' is invalid\. It is not an http or https URL/],
      [['dev', '--public-url', 'https://user:secret@registry.example.com'], {}, /'--public-url <url>' argument .* is invalid\. It is a URL with credentials/],
    ];
    for (const [args, env, message] of cases) {
      const run = await hcr(args, env);
      expectExit(run, 2);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /for example https:\/\/registry\.example\.com/);
    }
  });

  describe('a running gateway', () => {
    let t: TestGateway;
    let dataDir: string;
    before(async () => {
      t = await startTestGateway();
      dataDir = mkdtempSync(join(tmpdir(), 'hcr-public-url-'));
    });
    after(async () => {
      await t?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    const launch = (publicUrl: string | undefined, publicHost?: string, host = '127.0.0.1', log: (line: string) => void = () => undefined) =>
      launchGateway({ api: t.chain.api, blobStore: t.store, dataDir, host, port: 0, allowDevKey: false, publicUrl, publicHost, log });

    test('sends clients to the public URL and names its host in login tokens', async () => {
      const gateway = await launch('https://registry.example.com');
      try {
        assert.equal(gateway.service, 'registry.example.com');
        const response = await fetch(`${gateway.url}/v2/`);
        assert.equal(response.status, 401);
        assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="https://registry.example.com/token",service="registry.example.com"');
      } finally {
        await gateway.close();
      }
    });

    test('keeps --public-host as the login domain when both are given', async () => {
      const gateway = await launch('https://registry.example.com:8443', 'gw.internal:5000');
      try {
        assert.equal(gateway.service, 'gw.internal:5000');
        const response = await fetch(`${gateway.url}/v2/`);
        assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="https://registry.example.com:8443/token",service="gw.internal:5000"');
      } finally {
        await gateway.close();
      }
    });

    test('warns when it listens on every address with no public URL', async () => {
      for (const publicUrl of [undefined, 'http://registry.example.com:5000']) {
        const lines: string[] = [];
        const gateway = await launch(publicUrl, undefined, '0.0.0.0', (line) => lines.push(line));
        await gateway.close();
        if (publicUrl) assert.deepEqual(lines, []);
        else assert.match(lines.join('\n'), /listening on every address without --public-url, so auth challenges send clients to http:\/\/0\.0\.0\.0:\d+\/token .*set --public-url \(or GATEWAY_PUBLIC_URL\)/);
      }
    });
  });
});
