// Artifact versions follow the tag rows through a reorg: a version moved on a branch that the
// dev chain then orphans points back at its first digest and is no longer flagged as moved,
// while the content read for the orphaned digest stays true (it is keyed by digest).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { EmbeddedBlobStore, embeddedIpfsDir, type KuboApiServer, startKuboApiServer } from '../../src/ipfs';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { devAccounts, type DevAccounts } from './helpers/accounts';
import { type ArtifactParts, makeArtifact } from './helpers/artifacts';
import { startTestIndexer, type TestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { submit } from './helpers/submit';
import { waitFor } from './helpers/wait';

const PLUGIN = 'application/vnd.example.plugin.v1';
let chain: TestChain;
let pg: TestPostgres;
let indexer: TestIndexer;
let a: DevAccounts;
let dir: string;
let store: EmbeddedBlobStore;
let ipfs: KuboApiServer;

before(async () => {
  a = await devAccounts();
  // Finality lag 12: both branches stay unfinalized, so the processor sees them as hot blocks.
  chain = await startTestChain({ finalityLag: 12 });
  pg = await startTestPostgres();
  dir = mkdtempSync(path.join(tmpdir(), 'hcr-content-reorg-'));
  store = await EmbeddedBlobStore.open(embeddedIpfsDir(dir));
  ipfs = await startKuboApiServer({ store, port: 0 });
  await submit(chain.api.tx.containerRegistry.createSpace('acme'), a.alice);
  indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl: await pg.newDatabase('content_reorg'), ipfsApi: ipfs.url });
});

after(async () => {
  await indexer?.close();
  await ipfs?.close();
  await store?.close();
  await pg?.close();
  await chain?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const bestHash = async (api: ApiPromise) => (await api.rpc.chain.getHeader()).hash.toHex();
const newBlock = async (params: { parent?: string; count?: number; extrinsics?: string[] }) => (await chain.api.rpc('dev_newBlock' as never, params as never)) as unknown as string;

/** The records of a push of `artifact` under `tag`, signed for a block on `parent`. */
async function pushAt(parent: string, tag: string, artifact: ArtifactParts, signer: KeyringPair): Promise<string> {
  const cr = chain.api.tx.containerRegistry;
  const cidOf = async (bytes: Buffer) => (await store.put([bytes])).cid;
  const calls = [];
  for (const blob of [artifact.config, ...artifact.files]) calls.push(cr.storeDigestInfo('acme', blob.digest, 'File', await cidOf(blob.bytes)));
  calls.push(cr.addManifestHeadDigestAndManifestJsonCid('acme', 'plugins/auth', tag, artifact.manifest.digest, await cidOf(artifact.manifest.bytes)));
  const { nonce } = (await (await chain.api.at(parent)).query.system.account(signer.address)) as unknown as { nonce: { toNumber(): number } };
  return (await chain.api.tx.utility.batchAll(calls).signAsync(signer, { nonce: nonce.toNumber(), era: 0 })).toHex();
}

const version = async () => (await indexer.query('{ artifactVersions(space: "acme", name: "plugins/auth") { version digest moved moveCount originalDigest } }')).artifactVersions;

test('a version moved on an orphaned branch points back at its first digest, unflagged', async () => {
  const first = makeArtifact(PLUGIN, [{ title: 'auth.so', bytes: 'first build' }]);
  const second = makeArtifact(PLUGIN, [{ title: 'auth.so', bytes: 'second build' }]);
  const published = await newBlock({ parent: await bestHash(chain.api), extrinsics: [await pushAt(await bestHash(chain.api), '1.0.0', first, a.alice)] });
  await indexer.waitForHead(published, 60_000);
  await waitFor(async () => (await version()).length === 1, 'version 1.0.0 to be indexed');

  const fork = published;
  const moved = await newBlock({ parent: fork, extrinsics: [await pushAt(fork, '1.0.0', second, a.alice)] });
  await indexer.waitForHead(moved);
  const onBranch = await waitFor(async () => {
    const [v] = await version();
    return v?.digest === second.manifest.digest ? v : undefined;
  }, 'the moved version to be indexed');
  assert.deepEqual(onBranch, { version: '1.0.0', digest: second.manifest.digest, moved: true, moveCount: 1, originalDigest: first.manifest.digest });

  // A longer branch from the fork without the move.
  await newBlock({ parent: fork, count: 1 });
  const head = await newBlock({ count: 1 });
  await indexer.waitForHead(head);
  assert.deepEqual(await version(), [{ version: '1.0.0', digest: first.manifest.digest, moved: false, moveCount: 0, originalDigest: first.manifest.digest }]);
  // What was read for the orphaned digest is still what its bytes say.
  const id = `0x${Buffer.from(second.manifest.digest).toString('hex')}`;
  const { manifestContentById } = await indexer.query('query($id: String!) { manifestContentById(id: $id) { state artifactType } }', { id });
  assert.deepEqual(manifestContentById, { state: 'indexed', artifactType: PLUGIN });
});
