// chain.genesisHash (--genesis-hash, CHAIN_GENESIS_HASH) pins the chain: connectChain refuses a
// node that serves another one at once (no retry), closing its socket, and `hcr space create`
// refuses it before anything is signed; the processor refuses it before it indexes anything
// (the gateway trusts its index). A malformed pin is refused with the setting's fix.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { Keyring } from '@polkadot/keyring';
import { ChainConnectionError, connectChain, spacesByName } from '../../src/chain';
import { registerSpace } from '../../src/cli/commands/space';
import { applyConfig } from '../../src/config/apply';
import { ConfigError, parseConfig } from '../../src/config/file';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { collect, expectExit, spawnHcr } from '../cli/helpers/run-hcr';
import { startProcessor } from '../../src/indexer';
import { assertPinnedChain, ChainMismatchError } from '../../src/processor/chain-guard';
import { processorOptionsFromEnv } from '../../src/processor/config';

const OTHER_CHAIN = `0x${'00'.repeat(32)}`;
/** Far above one attempt on the dev chain: a refusal that retried once would take longer. */
const BACKOFF = { retries: 4, retryDelayMs: 5_000, timeoutMs: 5_000 };

let chain: TestChain;
let genesis: string;

before(async () => {
  chain = await startTestChain();
  genesis = chain.api.genesisHash.toHex();
});

after(async () => {
  await chain?.close();
});

/** WebSocket clients the dev chain serves right now (the test's own api is one). */
const openSockets = () => chain.devnet.server.unsentBytesPerConnection().length;

async function settledSockets(expected: number): Promise<number> {
  const deadline = Date.now() + 2_000;
  while (openSockets() !== expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return openSockets();
}

describe('chain.genesisHash', () => {
  test('connectChain takes the pinned chain and refuses another at once, its socket closed', async () => {
    const baseline = openSockets();
    const pinned = await connectChain(chain.devnet.wsUrl, { ...BACKOFF, genesisHash: genesis.toUpperCase().replace('0X', '0x') });
    assert.equal(pinned.genesisHash.toHex(), genesis);
    await pinned.disconnect();
    assert.equal(await settledSockets(baseline), baseline);

    const started = Date.now();
    let refused: unknown;
    let connected: Awaited<ReturnType<typeof connectChain>> | undefined;
    try {
      connected = await connectChain(chain.devnet.wsUrl, { ...BACKOFF, genesisHash: OTHER_CHAIN });
    } catch (error) {
      refused = error;
    }
    const ms = Date.now() - started;
    await connected?.disconnect();
    assert.ok(refused instanceof ChainConnectionError, `expected a ChainConnectionError, got ${String(refused)}`);
    assert.equal(refused.problem, 'wrong-chain');
    assert.equal(refused.url, chain.devnet.wsUrl);
    assert.equal(
      refused.message,
      `the chain at ${chain.devnet.wsUrl} is another chain than the one pinned: its genesis hash is ${genesis}, not ${OTHER_CHAIN} (chain.genesisHash, --genesis-hash, CHAIN_GENESIS_HASH): point chain.rpc (--chain, CHAIN_RPC) at a node of the pinned chain, or change or remove chain.genesisHash if the chain was meant to change`,
    );
    assert.ok(ms < BACKOFF.retryDelayMs, `refused after ${ms} ms: it retried`);
    assert.equal(await settledSockets(baseline), baseline, 'the refused connection\'s socket is closed');
  });

  test('hcr space create --genesis-hash of another chain: exit 3 with the fix, nothing signed or sent', async () => {
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice').address;
    const nonceBefore = (await chain.api.query.system.account(alice)).nonce.toNumber();
    const env: NodeJS.ProcessEnv = { ...process.env, CHAIN_RPC: chain.devnet.wsUrl };
    for (const name of ['HCR_SURI', 'HCR_CONFIG', 'CHAIN_GENESIS_HASH']) delete env[name];
    const run = await collect(spawnHcr(['space', 'create', 'pinned', '--suri', '//Alice', '--genesis-hash', OTHER_CHAIN], env), 'space create --genesis-hash');
    expectExit(run, 3);
    assert.match(run.stderr, new RegExp(`^error: the chain at ${chain.devnet.wsUrl} is another chain than the one pinned: its genesis hash is ${genesis}, not ${OTHER_CHAIN} \\(chain\\.genesisHash, --genesis-hash, CHAIN_GENESIS_HASH\\): point chain\\.rpc .* or change or remove chain\\.genesisHash`, 'm'));
    assert.doesNotMatch(run.stderr, /signing as/, 'nothing was signed');
    assert.equal((await chain.api.query.system.account(alice)).nonce.toNumber(), nonceBefore, 'no transaction of Alice\'s reached the chain');
    assert.deepEqual(await chain.api.rpc.author.pendingExtrinsics().then((pending) => pending.length), 0);
    assert.deepEqual(await spacesByName(chain.api, 'pinned'), []);
  });

  test('the processor indexes nothing from another chain than the pinned one: it exits 1 with the fix', { timeout: 60_000 }, async () => {
    await assertPinnedChain(chain.devnet.wsUrl, genesis);
    await assert.rejects(assertPinnedChain(chain.devnet.wsUrl, OTHER_CHAIN), (error: unknown) => error instanceof ChainMismatchError && error.message.includes(`its genesis hash is ${genesis}, not ${OTHER_CHAIN}`));
    assert.throws(() => processorOptionsFromEnv({ CHAIN_GENESIS_HASH: 'mainnet' }), /^Error: CHAIN_GENESIS_HASH: "mainnet" is not a genesis hash/);
    // The processor's own process, as hcr processor starts it: the pin is checked before the
    // database is touched (this one does not exist).
    const lines: string[] = [];
    const processor = startProcessor({ chainRpc: chain.devnet.wsUrl, genesisHash: OTHER_CHAIN, dbUrl: 'postgres://hcr@127.0.0.1:1/none', log: (line) => lines.push(line) });
    const { code } = await processor.exited;
    assert.equal(code, 1, lines.join('\n'));
    assert.ok(lines.some((line) => line.includes(`processor: the chain at ${chain.devnet.wsUrl} is another chain than the one pinned: its genesis hash is ${genesis}, not ${OTHER_CHAIN}`) && line.includes('nothing was indexed')), lines.join('\n'));
  });

  test('the file, then CHAIN_GENESIS_HASH, then --genesis-hash; an unquoted hash is read as written; a malformed one is refused with its fix', async () => {
    const hash = (digit: string) => `0x${digit.repeat(64)}`;
    // Unquoted, YAML would read 0x… as a number and lose the digits.
    const yaml = `chain:\n  genesisHash: ${hash('A')}\n`;
    assert.equal(parseConfig(yaml).values.get('chain.genesisHash'), hash('a'));
    assert.equal(await createOption([], yaml), hash('a'));
    assert.equal(await createOption([], yaml, { CHAIN_GENESIS_HASH: hash('b') }), hash('b'));
    assert.equal(await createOption(['--genesis-hash', hash('c')], yaml, { CHAIN_GENESIS_HASH: hash('b') }), hash('c'));
    // An empty variable, as compose passes an unset one, is no pin, and leaves the file's in force.
    assert.equal(await createOption([], '', { CHAIN_GENESIS_HASH: '' }), '');
    assert.equal(await createOption([], yaml, { CHAIN_GENESIS_HASH: '' }), hash('a'));

    const fix = /is not a genesis hash: give 0x and 64 hex digits \(32 bytes\), the hash of block #0 of the chain to trust \(its node answers chain_getBlockHash with \[0\]\), or leave chain\.genesisHash unset to take any chain/;
    for (const bad of ['0x12', `${hash('a')}00`, hash('g'), 'a'.repeat(64), '"chain"']) {
      assert.throws(() => parseConfig(`chain:\n  genesisHash: ${bad}\n`), (error: unknown) => error instanceof ConfigError && error.problems.length === 1 && error.problems[0].startsWith('chain.genesisHash: ') && fix.test(error.problems[0]), bad);
    }
    await assert.rejects(createOption(['--genesis-hash', '0x12'], ''), (error: unknown) => error instanceof CommanderError && /option '--genesis-hash <hash>' argument '0x12' is invalid\. "0x12" is not a genesis hash: give 0x and 64 hex digits/.test(error.message));
    await assert.rejects(createOption([], '', { CHAIN_GENESIS_HASH: 'mainnet' }), (error: unknown) => error instanceof CommanderError && /value 'mainnet' from env 'CHAIN_GENESIS_HASH' is invalid\. "mainnet" is not a genesis hash/.test(error.message));
  });
});

/** The genesis hash `hcr [--config] space create x <argv>` would connect with: the file applied as the CLI applies it, nothing run. */
async function createOption(argv: string[], yaml: string, env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  const saved = process.env;
  process.env = { ...saved, ...env };
  if (!('CHAIN_GENESIS_HASH' in env)) delete process.env.CHAIN_GENESIS_HASH;
  try {
    const program = new Command('hcr').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerSpace(program);
    let opts: Record<string, unknown> | undefined;
    const create = program.commands.find((command) => command.name() === 'space')!.commands.find((command) => command.name() === 'create')!;
    create.action((...args: unknown[]) => void (opts = (args.at(-1) as Command).opts()));
    program.hook('preAction', (_program, command) => applyConfig(command, parseConfig(yaml), process.env));
    await program.parseAsync(['space', 'create', 'x', ...argv], { from: 'user' });
    return opts!.genesisHash;
  } finally {
    process.env = saved;
  }
}
