// A chain, gateway or probe URL may carry a login (`wss://API_KEY@rpc…`, `http://user:PASSWORD@…`),
// and a failure names the URL it could not use. What hcr prints, on stderr, in --json output or in
// a container's health log (`docker inspect`), stars that login out, as its logs and process list
// do. A registry URL with a login, which fetch refuses and would quote whole, is refused up front
// with the fix. The real binary, against a port nothing listens on.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { before, describe, test } from 'node:test';
import { collect, expectExit, type Run, spawnHcr } from './helpers/run-hcr';

let closedPort: number;

function hcr(args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['CHAIN_RPC', 'HCR_CONFIG', 'HCR_REGISTRY', 'HCR_TOKEN', 'HCR_SURI', 'HCR_HEALTHCHECK_URL']) delete env[name];
  return collect(spawnHcr(args, env), args.join(' '));
}

before(async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('URL logins in what hcr prints when a service fails', { timeout: 120_000 }, () => {
  test('an unreachable --chain with an API key: the key is starred out on stderr and in --json', async () => {
    const chain = `ws://hunter2-api-key@127.0.0.1:${closedPort}`;
    const run = await hcr(['space', 'ls', '--chain', chain]);
    expectExit(run, 3);
    assert.doesNotMatch(run.stderr, /hunter2/, run.stderr);
    assert.match(run.stderr, new RegExp(`^error: cannot reach the chain at ws://\\*\\*\\*@127\\.0\\.0\\.1:${closedPort} `, 'm'));

    const json = await hcr(['space', 'ls', '--chain', chain, '--json']);
    expectExit(json, 3);
    assert.doesNotMatch(json.stdout + json.stderr, /hunter2/);
    assert.match((JSON.parse(json.stdout) as { error: { message: string } }).error.message, /ws:\/\/\*\*\*@127\.0\.0\.1/);
  });

  test('a --registry with a login is refused naming the fix, without its password', async () => {
    const run = await hcr(['token', 'ls', '--registry', `http://ci:hunter2-password@127.0.0.1:${closedPort}`, '--token', 'hcrt_test']);
    expectExit(run, 2);
    assert.doesNotMatch(run.stderr, /hunter2/, run.stderr);
    assert.match(run.stderr, /^error: --registry "http:\/\/ci:\*\*\*@127\.0\.0\.1:\d+" holds a login, which is never sent: give the gateway as http\(s\):\/\/host\[:port\], and sign in with --token \(or HCR_TOKEN\) or --suri\/--keyring$/m);
  });

  test('hcr healthcheck: the probe URL\'s password is starred out of the health log', async () => {
    const run = await hcr(['healthcheck', `http://probe:hunter2-password@127.0.0.1:${closedPort}/healthz`, '--timeout', '2']);
    expectExit(run, 1);
    assert.doesNotMatch(run.stderr, /hunter2/, run.stderr);
    assert.match(run.stderr, new RegExp(`^unhealthy: http://probe:\\*\\*\\*@127\\.0\\.0\\.1:${closedPort}/healthz: `));
  });
});
