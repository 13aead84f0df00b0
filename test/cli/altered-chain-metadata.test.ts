// `hcr space` builds its calls from the metadata the node at --chain serves. A node that lies in
// it (swaps ContainerRegistry's pallet index with Balances', or NonTransfer's ProxyType index
// with Any's) would have the user sign another call than the one asked for, with a signature the
// real chain accepts. The dev chain behind a WebSocket relay that alters its metadata as such a
// node would: each command refuses before anything is signed (exit 1, naming the difference),
// and the chain sees no transaction from the signer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { hexToU8a } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { hasGatewayGrant } from '../../src/chain';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { startRpcRelay } from '../helpers/rpc-relay';
import { collect, expectExit, type Run, spawnHcr } from './helpers/run-hcr';

type MetadataJson = { metadata: Record<string, { pallets: { name: string; index: number }[]; lookup: { types: { type: { path: string[]; def: { variant?: { variants: { name: string; index: number }[] } } } }[] } }> };
type Alteration = (metadata: MetadataJson['metadata'][string]) => void;

/** Swaps two pallets' indices. */
const swapPallets = (a: string, b: string): Alteration => (metadata) => {
  const [first, second] = [a, b].map((name) => metadata.pallets.find((pallet) => pallet.name === name)!);
  [first.index, second.index] = [second.index, first.index];
};

/** Swaps two variants' indices of the enum type whose path ends in `typeName`. */
const swapVariants = (typeName: string, a: string, b: string): Alteration => (metadata) => {
  const type = metadata.lookup.types.find((entry) => entry.type.path.at(-1) === typeName)!;
  const variants = type.type.def.variant!.variants;
  const [first, second] = [a, b].map((name) => variants.find((variant) => variant.name === name)!);
  [first.index, second.index] = [second.index, first.index];
};

/** Metadata bytes (with the magic number) altered by `alter`. */
function alteredMetadata(hex: `0x${string}`, alter: Alteration): string {
  const registry = new TypeRegistry();
  const json = new Metadata(registry, hex).toJSON() as unknown as MetadataJson;
  const version = Object.keys(json.metadata)[0];
  alter(json.metadata[version]);
  return new Metadata(registry, json as never).toHex();
}

/** A relay to `target` that alters the metadata it answers (state_getMetadata, and Metadata_metadata_at_version through state_call). */
async function startMetadataRelay(target: string) {
  const relay: { alter?: Alteration; altered: number } = { altered: 0 };
  const registry = new TypeRegistry();
  const node = await startRpcRelay(target, {
    alter(answer, request) {
      if (!relay.alter || typeof answer.result !== 'string' || answer.result === '0x') return;
      if (request.method === 'state_getMetadata') {
        answer.result = alteredMetadata(answer.result as `0x${string}`, relay.alter);
        relay.altered++;
      } else if (request.method === 'state_call' && request.params?.[0] === 'Metadata_metadata_at_version') {
        const opaque = registry.createType('Option<Bytes>', hexToU8a(answer.result));
        if (opaque.isSome) {
          answer.result = registry.createType('Option<Bytes>', alteredMetadata(opaque.unwrap().toHex(), relay.alter)).toHex();
          relay.altered++;
        }
      }
    },
  });
  return { ...node, relay };
}

describe('hcr space against a node that alters its metadata', { timeout: 240_000 }, () => {
  let chain: TestChain;
  let node: Awaited<ReturnType<typeof startMetadataRelay>>;
  const accounts: Record<string, string> = {};

  const hcr = (args: string[], extra: Record<string, string> = {}): Promise<Run> => {
    const env: NodeJS.ProcessEnv = { ...process.env, CHAIN_RPC: node.url };
    for (const name of ['HCR_SURI', 'HCR_KEYRING_PASSWORD', 'GATEWAY_ADDRESS']) delete env[name];
    return collect(spawnHcr(args, { ...env, ...extra }), args.join(' '));
  };

  const nonceOf = async (address: string) => (await chain.api.rpc.system.accountNextIndex(address)).toNumber();

  before(async () => {
    chain = await startTestChain();
    node = await startMetadataRelay(chain.devnet.wsUrl);
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    for (const name of ['Ferdie', 'Eve', 'Dave']) accounts[name] = keyring.addFromUri(`//${name}`).address;
  });

  after(async () => {
    await node?.close();
    await chain?.close();
  });

  test('create: ContainerRegistry moved to Balances\' index is refused before signing', async () => {
    node.relay.alter = swapPallets('ContainerRegistry', 'Balances');
    const nonce = await nonceOf(accounts.Ferdie);
    const run = await hcr(['space', 'create', 'moved', '--suri', '//Ferdie']);
    expectExit(run, 1);
    assert.ok(node.relay.altered > 0, 'the command read the altered metadata');
    assert.match(run.stderr, /error: the chain's metadata turns "create the space "moved"" into Balances \(pallet 6, call 0\), not ContainerRegistry\.create_space \(0x0600\S* where the Hippius runtime has 0x4500\S*\)/);
    assert.match(run.stderr, /nothing was signed\. Connect to a node you run or trust, over wss:\/\/, with --chain or CHAIN_RPC/);
    assert.doesNotMatch(run.stderr, /signing as/);
    assert.equal(await nonceOf(accounts.Ferdie), nonce, 'a transaction from //Ferdie reached the chain');
  });

  test('add-member: the same, with --json as one JSON document', async () => {
    node.relay.alter = swapPallets('ContainerRegistry', 'Balances');
    const run = await hcr(['space', 'add-member', '7', accounts.Dave, '--suri', '//Ferdie', '--json']);
    expectExit(run, 1);
    const answer = JSON.parse(run.stdout) as { error: { exitCode: number; message: string } };
    assert.equal(answer.error.exitCode, 1);
    assert.match(answer.error.message, /turns "add \S+ as a member of space 7" into Balances \(pallet 6, call 1\), not ContainerRegistry\.add_space_member/);
  });

  test('grant-gateway: NonTransfer swapped with Any is refused, and no proxy is granted', async () => {
    node.relay.alter = swapVariants('ProxyType', 'Any', 'NonTransfer');
    const nonce = await nonceOf(accounts.Ferdie);
    const run = await hcr(['space', 'grant-gateway', '--suri', '//Ferdie', '--gateway', accounts.Eve]);
    expectExit(run, 1);
    assert.match(run.stderr, /error: the chain's metadata turns "let the gateway \S+ record pushes to your space for you \(a NonTransfer proxy: it cannot move your funds\)" into Proxy\.add_proxy with other argument bytes/);
    assert.equal(await nonceOf(accounts.Ferdie), nonce);
    assert.equal(await hasGatewayGrant(chain.api, accounts.Ferdie, accounts.Eve), false);
    const proxies = (await chain.api.query.proxy.proxies(accounts.Ferdie)).toJSON() as unknown[];
    assert.deepEqual(proxies[0], [], '//Ferdie granted a proxy');
  });

  test('revoke-gateway: the same', async () => {
    node.relay.alter = swapVariants('ProxyType', 'Any', 'NonTransfer');
    const run = await hcr(['space', 'revoke-gateway', '--suri', '//Ferdie', '--gateway', accounts.Eve]);
    expectExit(run, 1);
    assert.match(run.stderr, /into Proxy\.remove_proxy with other argument bytes/);
  });

  test('metadata left as the node has it: the calls are signed and land', async () => {
    node.relay.alter = undefined;
    const created = await hcr(['space', 'create', 'unaltered', '--suri', '//Ferdie', '--json']);
    expectExit(created, 0);
    const granted = await hcr(['space', 'grant-gateway', '--suri', '//Ferdie', '--gateway', accounts.Eve, '--json']);
    expectExit(granted, 0);
    assert.equal(await hasGatewayGrant(chain.api, accounts.Ferdie, accounts.Eve), true);
  });
});
