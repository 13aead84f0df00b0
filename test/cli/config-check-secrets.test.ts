// `hcr config check` lists every setting of a file with its value, and that listing is what
// people paste into tickets and chat: a URL's password (the index's Postgres, a peer's or the
// GraphQL server's login) must be starred out of it, as it is in logs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { collect, expectExit, spawnHcr } from './helpers/run-hcr';

const dir = mkdtempSync(join(tmpdir(), 'hcr-config-secrets-'));

function env(): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const name of Object.keys(clean)) if (/^(DB_|GATEWAY_|GRAPHQL_|HCR_|IPFS_|GQL_|CHAIN_RPC)/.test(name)) delete clean[name];
  return clean;
}

describe('hcr config check keeps passwords out of its listing', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stars out the password of every URL it lists', async () => {
    const path = join(dir, 'hcr.yaml');
    writeFileSync(path, ['database:', '  url: postgres://squid:hunter2-db@db:5432/squid', 'gateway:', '  graphqlUrl: http://reader:hunter2-gql@graphql:4350/graphql', '  peers: [http://mirror:hunter2-peer@10.0.0.2:5000]', ''].join('\n'));
    const result = await collect(spawnHcr(['config', 'check', path], env()), 'config check');
    expectExit(result, 0);
    assert.doesNotMatch(result.stdout, /hunter2/, result.stdout);
    assert.match(result.stdout, /database\.url = "postgres:\/\/squid:\*\*\*@db:5432\/squid"/);
    assert.match(result.stdout, /gateway\.graphqlUrl = "http:\/\/reader:\*\*\*@graphql:4350\/graphql"/);
    assert.match(result.stdout, /gateway\.peers = \["http:\/\/mirror:\*\*\*@10\.0\.0\.2:5000"\]/);
  });

  it('stars out the password of a bad URL it quotes in its refusal', async () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, ['database:', '  url: mysql://squid:hunter2-db@db:3306/squid', ''].join('\n'));
    for (const args of [['config', 'check', path], ['--config', path, 'space', 'ls']]) {
      const result = await collect(spawnHcr(args, env()), args.join(' '));
      expectExit(result, 2);
      assert.doesNotMatch(result.stderr, /hunter2/, result.stderr);
      assert.match(result.stderr, /database\.url must be a postgres, postgresql URL, got "mysql:\/\/squid:\*\*\*@db:3306\/squid"/);
    }
  });
});
