// URLs that do not parse, or hold a login in an odd form, are what error messages quote: a
// password holding `@`, `/`, `?` or `#`, a key before `@` alone, several `@`, percent-encoded
// logins. None of the secret may show, wherever the URL is quoted (any message, a flag's refusal,
// a service URL named in health answers). `hcr healthcheck URL` and `hcr login GATEWAY` check
// their URL the way every URL flag does: exit 2 naming the argument, the form, and no password.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { registerHealthcheck } from '../../src/cli/commands/healthcheck';
import { gatewayDomain } from '../../src/cli/commands/login';
import { CliError } from '../../src/cli/errors';
import { withLoginStarred } from '../../src/cli/url-flags';
import { parseConfig } from '../../src/config/file';
import { splitUrlLogin } from '../../src/config/url-login';
import { schemesUrl } from '../../src/config/url-schemes';
import { hideUrlLogins } from '../../src/observability/url-logins';
import { collect, expectExit, type Run, spawnHcr } from './helpers/run-hcr';

const SECRET = 'S3cr3tPart';

function hcr(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['HCR_CONFIG', 'HCR_HEALTHCHECK_URL', 'HCR_GATEWAY', 'HCR_SURI']) delete base[name];
  return collect(spawnHcr(args, { ...base, ...env }), args.join(' '));
}

/** What `hcr healthcheck ARGS` refuses with, run in this process under `env`. */
async function healthcheckRefusal(args: string[], env: Record<string, string> = {}): Promise<string> {
  const saved = process.env.HCR_HEALTHCHECK_URL;
  Object.assign(process.env, env);
  try {
    const program = new Command('hcr').exitOverride();
    registerHealthcheck(program);
    await program.parseAsync(['healthcheck', ...args], { from: 'user' });
  } catch (error) {
    assert.ok(error instanceof CliError, String(error));
    assert.equal(error.exitCode, 2);
    return error.message;
  } finally {
    if (saved === undefined) delete process.env.HCR_HEALTHCHECK_URL;
    else process.env.HCR_HEALTHCHECK_URL = saved;
  }
  return assert.fail(`hcr healthcheck ${args.join(' ')} was accepted`);
}

/** Logins written every odd way, each holding SECRET (or parts of it) where the password or key is. */
const ODD_LOGINS: readonly [string, string][] = [
  [`http://u:p@${SECRET}@host:5000/x`, 'http://u:***@host:5000/x'],
  [`http://u:${SECRET}@a@b@host/`, 'http://u:***@host/'],
  [`wss://${SECRET}@rpc.example/ws`, 'wss://***@rpc.example/ws'],
  [`wss://k@${SECRET}@rpc.example`, 'wss://***@rpc.example'],
  [`http://${SECRET}@`, 'http://***@'],
  [`http://u:p%40${SECRET}@host`, 'http://u:***@host'],
  [`http://u:pa/${SECRET}@host`, 'http://u:***@host'],
  [`http://u:pa?${SECRET}@host`, 'http://u:***@host'],
  [`http://u:pa#${SECRET}@host`, 'http://u:***@host'],
  [`http://u:p@ss/${SECRET}@host/path`, 'http://u:***@host/path'],
  [`http://a@b:${SECRET}@host`, 'http://***@host'],
  [`http://reader:${SECRET}@[::1`, 'http://reader:***@[::1'],
];

describe('URL logins in any odd form are starred out whole', () => {
  test('in free text (hideUrlLogins): no part of the password or key is left', () => {
    for (const [url, shown] of ODD_LOGINS) {
      const text = `error: cannot reach ${url} (ECONNREFUSED)`;
      const hidden = hideUrlLogins(text);
      assert.doesNotMatch(hidden, /S3cr3t|Part|p@ss|pa\/|pa\?|pa#|a@b/, `${url} → ${hidden}`);
      assert.equal(hidden, `error: cannot reach ${shown} (ECONNREFUSED)`);
    }
  });

  test('a list of URLs, and a URL percent-encoded into another\'s query, each lose their login', () => {
    assert.equal(hideUrlLogins(`peers http://a.example,ftp://m:${SECRET}@b.example`), 'peers http://a.example,ftp://m:***@b.example');
    assert.equal(hideUrlLogins(`GET http://gw/x?next=https%3A%2F%2Fu%3Ap%40${SECRET}%40host%2Fy&z=1`), 'GET http://gw/x?next=https%3A%2F%2Fu%3A***%40host%2Fy&z=1');
    assert.equal(hideUrlLogins(`GET http://gw/x?next=https%3a%2f%2f${SECRET}%40host`), 'GET http://gw/x?next=https%3a%2f%2f***%40host');
  });

  test('an @ in a path or query after a plain host is no login and stays', () => {
    for (const url of ['http://host:5000/api/packages/@acme/x', 'http://host:5000/path?next=a@b', 'http://[::1]:5000/#a@b', 'http://127.0.0.1:5000']) {
      assert.equal(hideUrlLogins(`at ${url} now`), `at ${url} now`);
    }
  });

  test('in a flag\'s refusal (withLoginStarred), with or without a scheme', () => {
    for (const [url, shown] of ODD_LOGINS) assert.equal(withLoginStarred(url), shown, url);
    assert.equal(withLoginStarred(`ci:pa/${SECRET}@registry.example`), 'ci:***@registry.example');
  });

  test('in the URL a service is named by in messages and health answers (splitUrlLogin)', () => {
    // A key before @ alone was shown whole; a URL that does not parse was shown with its password.
    assert.equal(splitUrlLogin(`https://${SECRET}@ipfs.example/`).shown, 'https://***@ipfs.example/');
    assert.equal(splitUrlLogin(`https://${SECRET}@ipfs.example/`).headers.authorization, `Basic ${Buffer.from(`${SECRET}:`).toString('base64')}`);
    assert.equal(splitUrlLogin(`http://u:p@${SECRET}@index.example/graphql`).shown, 'http://u:***@index.example/graphql');
    assert.equal(splitUrlLogin(`http://u:${SECRET}@[::1`).shown, 'http://u:***@[::1');
  });
});

describe('"an http" URL', () => {
  test('the configuration file names the schemes a URL setting takes with the right article', () => {
    const problems = (yaml: string) => {
      try {
        parseConfig(yaml);
      } catch (error) {
        return (error as Error).message;
      }
      return assert.fail('accepted');
    };
    assert.match(problems('contentIndex:\n  ipfsApi: kubo:5001\n'), /contentIndex\.ipfsApi must be an http, https URL, got "kubo:5001"/);
    assert.match(problems('chain:\n  rpc: ftp://node\n'), /chain\.rpc must be a ws, wss, http, https URL/);
    assert.match(problems('database:\n  url: mysql://db/x\n'), /database\.url must be a postgres, postgresql URL/);
    assert.equal(schemesUrl(['http', 'https']), 'an http or https URL');
    assert.equal(schemesUrl(['ftp']), 'an ftp URL');
    assert.equal(schemesUrl(['file']), 'a file URL');
  });
});

describe('hcr healthcheck URL and hcr login GATEWAY are checked as URL flags are', { timeout: 60_000 }, () => {
  test('a malformed healthcheck URL: exit 2 naming the argument (or its variable) and the form, no password, no "Invalid URL"', async () => {
    const argument = await hcr(['healthcheck', `http://probe:${SECRET}@[::1`]);
    expectExit(argument, 2);
    assert.equal(
      argument.stderr,
      'error: healthcheck URL "http://probe:***@[::1" is not a URL: give the address to probe, http(s)://host:port/path of a service\'s /healthz or /metrics, or ws://host:port of a chain node, for example http://127.0.0.1:5000/healthz\n',
    );
    // The same command in this process (a spawn per case costs a second or more).
    assert.match(await healthcheckRefusal([], { HCR_HEALTHCHECK_URL: 'localhost 5000' }), /^healthcheck URL "localhost 5000" \(from HCR_HEALTHCHECK_URL\) is not a URL \(it holds spaces or control characters\): give the address to probe/);
    assert.match(await healthcheckRefusal(['ftp://127.0.0.1:5000/healthz']), /^healthcheck URL "ftp:\/\/127\.0\.0\.1:5000\/healthz" is not an http, https, ws or wss URL: /);
  });

  test('hcr login\'s gateway: a login in it is refused starred out, its variable named, a path refused', () => {
    const refusal = (value: string, where?: string) => {
      try {
        gatewayDomain(value, where);
      } catch (error) {
        return error as { message: string; exitCode: number };
      }
      return assert.fail(`${value} was accepted`);
    };
    const login = refusal(`https://ci:p@${SECRET}@registry.example.org`);
    assert.equal(login.exitCode, 2);
    assert.equal(login.message, 'gateway "https://ci:***@registry.example.org" holds a login, which is never sent: give the gateway as host[:port] alone (hcr login signs the password docker sends, for the account of --suri or --keyring)');
    const bare = refusal(`ci:${SECRET}@registry.example.org:5000`, ' (from HCR_GATEWAY)');
    assert.match(bare.message, /^gateway "ci:\*\*\*@registry\.example\.org:5000" \(from HCR_GATEWAY\) holds a login, which is never sent/);
    assert.match(refusal('ws://registry.example.org').message, /^gateway "ws:\/\/registry\.example\.org" is not an http or https URL: give host\[:port\] as you would to docker/);
    assert.match(refusal('registry.example.org/v2/').message, /^gateway "registry\.example\.org\/v2\/" is not a registry address \(it has a path, query or fragment\): give host\[:port\]/);
    assert.match(refusal(`http://u:${SECRET}@[::1`).message, /^gateway "http:\/\/u:\*\*\*@\[::1" is not a registry address: give host\[:port\]/);
    // What docker takes stays taken, reduced to host[:port].
    assert.equal(gatewayDomain('https://registry.example.org:5000/'), 'registry.example.org:5000');
    assert.equal(gatewayDomain('[::1]:5000'), '[::1]:5000');
  });

  test('hcr login itself: HCR_GATEWAY with a login exits 2, the password starred out', async () => {
    const run = await hcr(['login', '--suri', '//Alice'], { HCR_GATEWAY: `https://ci:p@${SECRET}@registry.example.org` });
    expectExit(run, 2);
    assert.doesNotMatch(run.stderr, /S3cr3t|Part/);
    assert.match(run.stderr, /^error: gateway "https:\/\/ci:\*\*\*@registry\.example\.org" \(from HCR_GATEWAY\) holds a login, which is never sent/);
  });
});
