// `hcr space grant-gateway` without --gateway or GATEWAY_ADDRESS grants the dev chain's //Gateway
// account, whose key anyone derives from the public dev phrase. On a live chain that proxy would
// let anyone act for the signer, so there the default is refused (exit 2, naming the fix) and
// nothing is signed. The live chain is the dev chain behind a WebSocket relay that answers
// system_chainType as a production node does ("Live"); everything else reaches the dev chain.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { hasGatewayGrant } from '../../src/chain';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { startRpcRelay } from '../helpers/rpc-relay';
import { collect, expectExit, type Run, spawnHcr } from './helpers/run-hcr';

/** A relay to `target` that answers system_chainType with `chainType` itself. */
async function startChainTypeRelay(target: string, chainType: string) {
  const asked = { chainType: 0 };
  const node = await startRpcRelay(target, {
    answer(request) {
      if (request.method !== 'system_chainType') return undefined;
      asked.chainType++;
      return chainType;
    },
  });
  return { ...node, asked };
}

describe('hcr space grant-gateway on a live chain', { timeout: 180_000 }, () => {
  let chain: TestChain;
  let live: Awaited<ReturnType<typeof startChainTypeRelay>>;
  const accounts: Record<string, string> = {};

  const hcr = (args: string[], chainUrl: string, extra: Record<string, string> = {}): Promise<Run> => {
    const env: NodeJS.ProcessEnv = { ...process.env, CHAIN_RPC: chainUrl };
    for (const name of ['HCR_SURI', 'HCR_KEYRING_PASSWORD', 'GATEWAY_ADDRESS']) delete env[name];
    return collect(spawnHcr(args, { ...env, ...extra }), args.join(' '));
  };

  before(async () => {
    chain = await startTestChain();
    live = await startChainTypeRelay(chain.devnet.wsUrl, 'Live');
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    for (const name of ['Ferdie', 'Eve', 'Gateway']) accounts[name] = keyring.addFromUri(`//${name}`).address;
  });

  after(async () => {
    await live?.close();
    await chain?.close();
  });

  test('without a gateway named, the public //Gateway account is refused and nothing is signed', async () => {
    const run = await hcr(['space', 'grant-gateway', '--suri', '//Ferdie'], live.url);
    expectExit(run, 2);
    assert.ok(live.asked.chainType > 0, 'the chain was asked what it is');
    assert.match(run.stderr, /error: no gateway was named, and the default, the dev chain's gateway account \/\/Gateway \(\w+\), is only for a development chain: this chain is a Live chain/);
    assert.match(run.stderr, /anyone can sign as \/\/Gateway/);
    assert.match(run.stderr, /Pass --gateway ADDRESS or set GATEWAY_ADDRESS/);
    assert.doesNotMatch(run.stderr, /signing as|note: granting/);
    assert.equal(run.stdout, '');
    assert.equal(await hasGatewayGrant(chain.api, accounts.Ferdie, accounts.Gateway), false, '//Gateway holds a proxy from //Ferdie');
  });

  test('with --json the refusal is the one JSON document on stdout', async () => {
    const run = await hcr(['space', 'grant-gateway', '--suri', '//Ferdie', '--json'], live.url);
    expectExit(run, 2);
    const answer = JSON.parse(run.stdout) as { error: { exitCode: number; message: string } };
    assert.equal(answer.error.exitCode, 2);
    assert.match(answer.error.message, /only for a development chain/);
  });

  test('a gateway named by GATEWAY_ADDRESS is granted on the live chain', async () => {
    const run = await hcr(['space', 'grant-gateway', '--suri', '//Ferdie', '--json'], live.url, { GATEWAY_ADDRESS: accounts.Eve });
    expectExit(run, 0);
    assert.equal(JSON.parse(run.stdout).gateway, accounts.Eve);
    assert.equal(await hasGatewayGrant(chain.api, accounts.Ferdie, accounts.Eve), true);
  });

  test('on the dev chain itself the //Gateway default still applies', async () => {
    const run = await hcr(['space', 'grant-gateway', '--suri', '//Ferdie', '--json'], chain.devnet.wsUrl);
    expectExit(run, 0);
    assert.match(run.stderr, /note: granting to the dev chain's gateway account \/\/Gateway/);
    assert.equal(await hasGatewayGrant(chain.api, accounts.Ferdie, accounts.Gateway), true);
  });
});
