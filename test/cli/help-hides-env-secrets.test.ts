// --help shows each option's default, and some defaults are read from the environment: HCR_TOKEN
// (a token), CHAIN_RPC, IPFS_API, GRAPHQL_URL and HCR_GATEWAY (URLs that may carry a password or
// an API key). Help output is pasted into tickets and printed in CI logs, so it names where such
// a default comes from and stars out a URL's password, never printing the secret. The real binary.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collect, expectExit, spawnHcr } from './helpers/run-hcr';

const SECRETS = {
  HCR_TOKEN: 'hcrt_hunter2-token',
  HCR_GATEWAY: 'http://ci:hunter2-gateway@gw.example:5000',
  CHAIN_RPC: 'wss://hunter2-api-key@rpc.example.com',
  IPFS_API: 'http://kubo:hunter2-ipfs@ipfs.example:5001',
  GRAPHQL_URL: 'https://reader:hunter2-graphql@index.example/graphql',
};

function env(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env, ...SECRETS };
  delete clean.HCR_CONFIG;
  return clean;
}

/** Help text with its line wrapping undone. */
async function help(command: string): Promise<string> {
  const run = await collect(spawnHcr([command, '--help'], env()), `${command} --help`);
  expectExit(run, 0);
  return run.stdout.replace(/\s+/g, ' ');
}

describe('--help with secrets in the environment', { timeout: 120_000 }, () => {
  const cases: Array<[string, string[]]> = [
    ['export', ['(default: the value of HCR_TOKEN)', '(default: "http://ci:***@gw.example:5000", from HCR_GATEWAY)']],
    ['import', ['(default: "wss://***@rpc.example.com", from CHAIN_RPC)', '(default: "http://kubo:***@ipfs.example:5001", from IPFS_API)']],
    ['gateway', ['(default: "wss://***@rpc.example.com", from CHAIN_RPC)', '(default: "http://kubo:***@ipfs.example:5001", from IPFS_API)', '(default: "https://reader:***@index.example/graphql", from GRAPHQL_URL)']],
    ['mirror', ['(default: "wss://***@rpc.example.com", from CHAIN_RPC)', '(default: "https://reader:***@index.example/graphql", from GRAPHQL_URL)']],
  ];
  for (const [command, shown] of cases) {
    test(`hcr ${command} --help names where a default comes from and shows no secret`, async () => {
      const text = await help(command);
      assert.doesNotMatch(text, /hunter2/, text);
      for (const expected of shown) assert.ok(text.includes(expected), `${expected} in:\n${text}`);
    });
  }
});
