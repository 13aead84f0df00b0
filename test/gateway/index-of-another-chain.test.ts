// A gateway refuses an index built from another chain: the genesis hash the processor recorded
// (indexedChain) must be the gateway's chain's, and the index's last finalized block (squidStatus)
// must have the hash the gateway's chain has at that height. Two dev chains, A and
// B, each with `acme` (the same space id) and an image the other does not have (an index of a
// taller chain, ahead of this chain's finalized head, is caught by its first space's block); chain B is
// indexed by the real processor and GraphQL server on an embedded Postgres, and gateways of
// either chain are pointed at that index. They reach it through a small proxy that passes every
// query on unchanged and keeps them, so a test can tell what was asked; for an index ahead of the
// chain it rewrites the finalized block the real server answered.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiPromise } from '@polkadot/api';
import { createSpace, grantGateway, shownHash, spacesByName, submitTx } from '../../src/chain';
import { type RunningGateway, startGateway } from '../../src/gateway';
import { ChainReader } from '../../src/gateway/resolve/chain-reader';
import { INDEX_CHAIN_QUERY, INDEX_CHAIN_QUERY_WITHOUT_GENESIS, IndexChainCheck } from '../../src/gateway/resolve/index-chain-check';
import { IndexHttp, IndexUnavailableError } from '../../src/gateway/resolve/index-http';
import { rpcSend, settledHead, startTestChain, type TestChain } from '../helpers/devnet';
import { startTestIndexer, type TestIndexer } from '../indexer/helpers/indexer';
import { startTestPostgres, type TestPostgres } from '../indexer/helpers/postgres';
import { json, makeImage, pushImage, randomBlob, type ImageParts } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

type Status = { finalizedHeight: number; finalizedHash: string; height: number; hash: string };

interface IndexProxy {
  readonly url: string;
  /** Every query the gateway sent, in order. */
  readonly queries: string[];
  /** Rewrites a squidStatus answer's finalized block, when set. */
  rewrite?: (status: Status) => Promise<Partial<Status>>;
  /** Answers indexedChainById with this genesis hash, when set. */
  genesis?: string;
  /** Refuses every query that names indexedChainById, as a GraphQL server built before it existed does. */
  withoutGenesis?: boolean;
  close(): Promise<void>;
}

async function indexProxy(upstream: string): Promise<IndexProxy> {
  const proxy: IndexProxy & { server?: Server } = { url: '', queries: [], close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString();
      const { query } = JSON.parse(body) as { query: string };
      proxy.queries.push(query);
      if (proxy.withoutGenesis && query.includes('indexedChainById')) {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ message: 'Cannot query field "indexedChainById" on type "Query".' }] }));
        return;
      }
      const answer = await fetch(upstream, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      let text = await answer.text();
      const parsed = JSON.parse(text) as { data?: { squidStatus?: Status; indexedChainById?: { genesisHash: string } } };
      if (proxy.genesis && parsed.data?.indexedChainById) {
        parsed.data.indexedChainById = { genesisHash: proxy.genesis };
        text = JSON.stringify(parsed);
      }
      if (proxy.rewrite && parsed.data?.squidStatus?.finalizedHeight !== undefined) {
        parsed.data.squidStatus = { ...parsed.data.squidStatus, ...(await proxy.rewrite(parsed.data.squidStatus)) };
        text = JSON.stringify(parsed);
      }
      res.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

const STATUS_QUERY = INDEX_CHAIN_QUERY;
const finalizedHeight = async (api: ApiPromise) => (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
const newBlocks = (api: ApiPromise, count: number) => rpcSend(api, 'dev_newBlock', [{ count }]);

describe('a gateway and an index of another chain', () => {
  let a: TestGateway;
  let b: TestChain;
  let onB: RunningGateway;
  let pg: TestPostgres;
  let indexB: TestIndexer;
  const gatewaysOnB: RunningGateway[] = [];
  const proxies: IndexProxy[] = [];
  let imageA: ImageParts;
  let imageB: ImageParts;

  before(async () => {
    [a, b] = await Promise.all([startTestGateway(), startTestChain()]);
    const pgStarted = startTestPostgres();
    // `acme` on chain B for //Alice, the first space there as on chain A: the same space id, so
    // chain B's index answers for chain A's `acme`.
    await submitTx(b.api, createSpace(b.api, 'acme'), a.keys.alice);
    await grantGateway(b.api, a.keys.alice, a.keys.gateway.address);
    assert.equal((await spacesByName(b.api, 'acme'))[0].id, (await spacesByName(a.chain.api, 'acme'))[0].id, 'acme has another id on chain B');
    // A gateway on chain B with chain A's IPFS store: chain B's records name content chain A's gateways hold.
    onB = await startGateway({ api: b.api, blobStore: a.store, dataDir: mkdtempSync(join(a.dataDir, 'on-b-')), gatewaySigner: a.keys.gateway, port: 0, auth: { enabled: false }, log: () => undefined });
    imageA = makeImage([randomBlob(900)]);
    imageB = makeImage([randomBlob(900)]);
    await Promise.all([pushImage(a.url, 'acme/app', 'on-a', imageA), pushImage(onB.url, 'acme/app', 'only-on-b', imageB)]);
    pg = await pgStarted;
    indexB = await startTestIndexer({ chainRpc: b.devnet.wsUrl, dbUrl: await pg.newDatabase('chain_b') });
    await indexB.waitForHead(await settledHead(b.api));
  });

  after(async () => {
    for (const gateway of gatewaysOnB) await gateway.close();
    for (const proxy of proxies) await proxy.close();
    await indexB?.close();
    await pg?.close();
    await onB?.close();
    await b?.close();
    await a?.close();
  });

  const proxiedIndex = async () => {
    const proxy = await indexProxy(indexB.graphql.url);
    proxies.push(proxy);
    return proxy;
  };
  /** A read-only gateway of chain B, on chain A's IPFS store. */
  const gatewayOnB = async (index: string) => {
    const gateway = await startGateway({ api: b.api, blobStore: a.store, dataDir: mkdtempSync(join(a.dataDir, 'on-b-')), port: 0, index, auth: { enabled: false }, log: () => undefined });
    gatewaysOnB.push(gateway);
    return gateway;
  };
  const tagsOf = async (gateway: RunningGateway) => (await json(await fetch(`${gateway.url}/v2/acme/app/tags/list`))).tags as string[];
  const readyz = async (gateway: RunningGateway) => {
    const response = await fetch(`${gateway.url}/readyz`);
    return { status: response.status, body: (await response.json()) as { reason: string; checks: Record<string, { ok: boolean; detail: string }> } };
  };

  it('the real GraphQL server says its last finalized block as the check reads it, and it is the chain\'s block', async () => {
    const { squidStatus } = await indexB.query<{ squidStatus: Status }>('{ squidStatus { finalizedHeight finalizedHash height hash } }');
    assert.equal(typeof squidStatus.finalizedHeight, 'number');
    assert.ok(squidStatus.finalizedHeight > 0 && squidStatus.finalizedHeight <= squidStatus.height, JSON.stringify(squidStatus));
    assert.match(squidStatus.finalizedHash, /^0x[0-9a-f]{64}$/);
    assert.equal(squidStatus.finalizedHash, (await b.api.rpc.chain.getBlockHash(squidStatus.finalizedHeight)).toHex());
  });

  it('the real GraphQL server says the genesis hash the processor recorded, and it is the chain\'s', async () => {
    const { indexedChainById } = await indexB.query<{ indexedChainById: { genesisHash: string } | null }>('{ indexedChainById(id: "0") { genesisHash } }');
    assert.equal(indexedChainById?.genesisHash, b.api.genesisHash.toHex());
  });

  it('an index of its own chain is used: the tag list comes from it, and /readyz is ready', async () => {
    const proxy = await proxiedIndex();
    const gateway = await gatewayOnB(proxy.url);
    assert.deepEqual(await tagsOf(gateway), ['only-on-b']);
    assert.equal(proxy.queries[0], STATUS_QUERY, 'the first query asks which chain the index is of');
    assert.ok(proxy.queries.some((q) => q.includes('images(')), `the tag list did not ask the index: ${proxy.queries.join(' | ')}`);
    const manifest = await fetch(`${gateway.url}/v2/acme/app/manifests/${imageB.manifest.digest}`);
    assert.equal(manifest.status, 200);
    const ready = await readyz(gateway);
    assert.equal(ready.status, 200, ready.body.reason);
    assert.equal(proxy.queries.filter((q) => q === STATUS_QUERY).length, 1, 'the check is asked once, not per request');
  });

  it('an index whose finalized block is another chain\'s is asked nothing else: no tag, record or CID of it is served, /readyz says why, logged once', async () => {
    // Chain A past chain B's finalized height, so that chain B's finalized block can be compared.
    await newBlocks(a.chain.api, 8);
    const { squidStatus } = await indexB.query<{ squidStatus: Status }>('{ squidStatus { finalizedHeight finalizedHash } }');
    assert.ok(squidStatus.finalizedHeight <= (await finalizedHeight(a.chain.api)));
    const ours = (await a.chain.api.rpc.chain.getBlockHash(squidStatus.finalizedHeight)).toHex();
    assert.notEqual(squidStatus.finalizedHash, ours);

    const proxy = await proxiedIndex();
    const gateway = await a.startReplica({ index: proxy.url });
    // The tag list is chain A's (chain storage), never chain B's only-on-b.
    assert.deepEqual(await tagsOf(gateway), ['on-a']);
    const byTag = await fetch(`${gateway.url}/v2/acme/app/manifests/only-on-b`);
    assert.equal(byTag.status, 404);
    // Chain B's index names a CID for this digest, and the bytes are in the store: still not served.
    const byDigest = await fetch(`${gateway.url}/v2/acme/app/manifests/${imageB.manifest.digest}`);
    assert.equal(byDigest.status, 404, 'a manifest only chain B records was served from its index');
    const catalog = await json(await fetch(`${gateway.url}/v2/_catalog`));
    assert.deepEqual(catalog.repositories, ['acme/app']);
    // What chain A records still pulls (through chain storage).
    assert.equal((await fetch(`${gateway.url}/v2/acme/app/manifests/on-a`)).status, 200);

    const ready = await readyz(gateway);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.checks.index.ok, false);
    // The first block compared is that of the index's first space (created before the finalized one).
    const { spaces } = await indexB.query<{ spaces: { blockNumber: number; blockHash: string }[] }>('{ spaces(limit: 1, orderBy: blockNumber_ASC) { blockNumber blockHash } }');
    const first = spaces[0];
    const oursThere = (await a.chain.api.rpc.chain.getBlockHash(first.blockNumber)).toHex();
    for (const part of [`the index at ${proxy.url} is of another chain`, `#${first.blockNumber} is ${shownHash(first.blockHash)}`, `has ${shownHash(oursThere)} at #${first.blockNumber}`, 'point --graphql / GRAPHQL_URL at the index of this chain, or re-index']) {
      assert.ok(ready.body.reason.includes(part), `/readyz's reason lacks ${JSON.stringify(part)}: ${ready.body.reason}`);
    }
    assert.deepEqual(proxy.queries, [STATUS_QUERY], 'the index was asked more than which chain it is of');
    const lines = a.logs.filter((line) => line.includes('is of another chain'));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.ok(lines[0].includes(proxy.url) && lines[0].includes(shownHash(oursThere)), lines[0]);
  });

  it('an index of a taller chain, its finalized head ahead of this chain\'s, is refused by the block of its first space', async () => {
    const proxy = await proxiedIndex();
    proxy.rewrite = async () => ({ finalizedHeight: (await finalizedHeight(a.chain.api)) + 1000, finalizedHash: `0x${'cd'.repeat(32)}` });
    const { spaces } = await indexB.query<{ spaces: { blockNumber: number; blockHash: string }[] }>('{ spaces(limit: 1, orderBy: blockNumber_ASC) { blockNumber blockHash } }');
    const ours = (await a.chain.api.rpc.chain.getBlockHash(spaces[0].blockNumber)).toHex();
    assert.notEqual(spaces[0].blockHash, ours);
    const gateway = await a.startReplica({ index: proxy.url });
    assert.deepEqual(await tagsOf(gateway), ['on-a']);
    const ready = await readyz(gateway);
    assert.equal(ready.status, 503);
    assert.ok(ready.body.reason.includes(`#${spaces[0].blockNumber} is ${shownHash(spaces[0].blockHash)}`), ready.body.reason);
    assert.deepEqual(proxy.queries, [STATUS_QUERY], 'the index was asked more than which chain it is of');
  });

  it('an index built from a chain with another genesis is refused by it, although its blocks are this chain\'s', async () => {
    const proxy = await proxiedIndex();
    const otherGenesis = `0x${'ef'.repeat(32)}`;
    proxy.genesis = otherGenesis;
    // Ahead of the chain too: no block of it can be compared yet.
    proxy.rewrite = async () => ({ finalizedHeight: (await finalizedHeight(b.api)) + 1000, finalizedHash: `0x${'cd'.repeat(32)}` });
    const gateway = await gatewayOnB(proxy.url);
    // Chain B's storage answers: its own tag, never through the index.
    assert.deepEqual(await tagsOf(gateway), ['only-on-b']);
    const ready = await readyz(gateway);
    assert.equal(ready.status, 503);
    for (const part of [`the index at ${proxy.url} is of another chain`, `genesis hash is ${shownHash(otherGenesis)}`, `this gateway's chain has the genesis hash ${shownHash(b.api.genesisHash.toHex())}`, 'point --graphql / GRAPHQL_URL at the index of this chain']) {
      assert.ok(ready.body.reason.includes(part), `/readyz's reason lacks ${JSON.stringify(part)}: ${ready.body.reason}`);
    }
    assert.deepEqual(proxy.queries, [STATUS_QUERY], 'the index was asked more than which chain it is of');
  });

  it('an index served by a GraphQL server without the genesis record is checked by its blocks, and used', async () => {
    const proxy = await proxiedIndex();
    proxy.withoutGenesis = true;
    const gateway = await gatewayOnB(proxy.url);
    assert.deepEqual(await tagsOf(gateway), ['only-on-b']);
    assert.deepEqual(proxy.queries.slice(0, 2), [STATUS_QUERY, INDEX_CHAIN_QUERY_WITHOUT_GENESIS]);
    assert.ok(proxy.queries.some((q) => q.includes('images(')), `the tag list did not ask the index: ${proxy.queries.join(' | ')}`);
    assert.equal((await readyz(gateway)).status, 200);
  });

  it('an index ahead of the chain\'s finalized head is not refused for that, and is checked once the chain reaches it', async () => {
    const proxy = await proxiedIndex();
    // The real index's answer, its finalized block moved past the chain's with a hash no chain has.
    const wrong = `0x${'ab'.repeat(32)}`;
    proxy.rewrite = async () => ({ finalizedHeight: (await finalizedHeight(b.api)) + 2, finalizedHash: wrong });
    const gateway = await gatewayOnB(proxy.url);
    assert.deepEqual(await tagsOf(gateway), ['only-on-b']);
    assert.ok(proxy.queries.some((q) => q.includes('images(')), 'the tag list did not ask the index');
    assert.equal((await readyz(gateway)).status, 200);

    // The same check, asked again at every use: the block it was told of is compared once chain B
    // has finalized it, although the index is ahead again by then.
    const logs: string[] = [];
    const check = new IndexChainCheck(new IndexHttp(proxy.url), new ChainReader(b.api), (line) => logs.push(line), { everyMs: 0 });
    const first = await finalizedHeight(b.api);
    await check.admit();
    await newBlocks(b.api, 3);
    assert.ok((await finalizedHeight(b.api)) >= first + 2);
    const refused = await check.admit().then(() => undefined, (error: unknown) => error);
    assert.ok(refused instanceof IndexUnavailableError, `not refused: ${String(refused)}`);
    assert.ok(refused.message.includes(`its finalized block #${first + 2} is ${shownHash(wrong)}`), refused.message);
    assert.equal(logs.length, 1);
  });
});
