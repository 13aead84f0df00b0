// Turns the benchmark's load plan into signed extrinsics, block by block. It runs in a worker
// thread (startBuilder), so building and signing on one core overlap block production on the
// other. Keys are derived from seeds and sign with the WebAssembly sr25519, far faster than
// polkadot.js's JavaScript one; every extrinsic is immortal with an explicit nonce.
import '@polkadot/api-augment';
import { MessageChannel, type MessagePort, isMainThread, receiveMessageOnPort, Worker, workerData } from 'node:worker_threads';
import { ApiPromise, HttpProvider } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { Keyring } from '@polkadot/keyring';
import type { IKeyringPair } from '@polkadot/types/types';
import { stringToU8a, u8aConcat } from '@polkadot/util';
import { blake2AsU8a, encodeAddress } from '@polkadot/util-crypto';
import { sr25519KeypairFromSeed, sr25519Sign, waitReady } from '@polkadot/wasm-crypto';
import type { LoadPlan, Op } from './indexer-load';

type Tx = SubmittableExtrinsic<'promise'>;

/** One block's extrinsics, in the order they are to be pooled. */
export interface BuiltBlock {
  type: 'block';
  txs: Uint8Array[];
  /** ContainerRegistry events they will emit. */
  events: number;
  funding: boolean;
}

export interface BuildTimes {
  connect: number;
  keys: number;
  /** polkadot.js: calls, batch, proxy, signing payload, encoding. */
  build: number;
  sign: number;
}

type BuilderMessage = { type: 'ready' } | BuiltBlock | { type: 'done'; times: BuildTimes } | { type: 'error'; message: string };

const FUNDERS = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'];
const FUND_BATCH = 500;
const FUND_AMOUNT = 10n * 10n ** 18n;

function wasmPair(seed: Uint8Array, times: BuildTimes): IKeyringPair {
  const keypair = sr25519KeypairFromSeed(seed);
  const secret = keypair.slice(0, 64);
  const publicKey = keypair.slice(64);
  return {
    address: encodeAddress(publicKey, 42),
    addressRaw: publicKey,
    publicKey,
    sign: (data: Uint8Array) => {
      const start = performance.now();
      const signature = u8aConcat(new Uint8Array([1]), sr25519Sign(publicKey, secret, data));
      times.sign += performance.now() - start;
      return signature;
    },
  };
}

/**
 * The blocks of the fill: first the funding of every owner (batches of transfers from the dev
 * accounts), then one block per planned block. `firstBlock` is the number the first one gets.
 */
export function* buildBlocks(api: ApiPromise, plan: LoadPlan, genesisHash: string, firstBlock: number, times: BuildTimes): Generator<BuiltBlock> {
  let start = performance.now();
  const owners = plan.spaceNames.map((_, i) => wasmPair(blake2AsU8a(stringToU8a(`hcr-bench-owner-${plan.targets.seed}-${i}`)), times));
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const funders = FUNDERS.map((uri) => keyring.addFromUri(uri));
  const gateway = keyring.addFromUri('//Gateway');
  times.keys += performance.now() - start;

  const options = {
    blockHash: genesisHash,
    genesisHash,
    runtimeVersion: api.runtimeVersion,
    signedExtensions: api.registry.signedExtensions,
    era: api.registry.createType('ExtrinsicEra', '0x00'),
  };
  const nonces = new Map<string, number>();
  const sign = (tx: Tx, signer: IKeyringPair): Uint8Array => {
    const nonce = nonces.get(signer.address) ?? 0;
    nonces.set(signer.address, nonce + 1);
    tx.sign(signer, { ...options, nonce } as never);
    return tx.toU8a();
  };
  /** Build time excludes the signing inside it. */
  const timed = (build: () => Uint8Array): Uint8Array => {
    const t = performance.now();
    const signedBefore = times.sign;
    const bytes = build();
    times.build += performance.now() - t - (times.sign - signedBefore);
    return bytes;
  };

  let blockNumber = firstBlock;
  for (let from = 0; from < owners.length; from += FUND_BATCH * funders.length) {
    const txs: Uint8Array[] = [];
    for (let f = 0; f < funders.length; f++) {
      const slice = owners.slice(from + f * FUND_BATCH, from + (f + 1) * FUND_BATCH);
      if (slice.length === 0) break;
      txs.push(timed(() => sign(api.tx.utility.batchAll(slice.map((o) => api.tx.balances.transferKeepAlive(o.address, FUND_AMOUNT))), funders[f])));
    }
    yield { type: 'block', txs, events: 0, funding: true };
    blockNumber++;
  }

  const cr = api.tx.containerRegistry;
  // The pallet numbers spaces NextSpaceId + block number, so the id of each space is known
  // when its create_space is built, and its members go in the same batch.
  let nextSpaceId = 0n;
  const buildOp = (op: Op): Uint8Array => timed(() => {
    const owner = owners[op.space];
    const repo = plan.spaceNames[op.space];
    if (op.kind === 'create') {
      const spaceId = nextSpaceId + BigInt(blockNumber);
      nextSpaceId = spaceId + 1n;
      const calls: Tx[] = [cr.createSpace(repo), ...op.members.map((m) => cr.addSpaceMember(spaceId, owners[m].address))];
      if (plan.viaGateway[op.space]) calls.push(api.tx.proxy.addProxy(gateway.address, 'NonTransfer', 0));
      return sign(api.tx.utility.batchAll(calls), owner);
    }
    const calls: Tx[] = op.blobs.map((b) => cr.storeDigestInfo(repo, b.digest, b.type, b.cid));
    for (const tag of op.tags) calls.push(cr.addManifestHeadDigestAndManifestJsonCid(repo, op.image, tag, op.digest, op.cid));
    const batch = api.tx.utility.batchAll(calls);
    if (plan.viaGateway[op.space]) return sign(api.tx.proxy.proxy(owner.address, 'NonTransfer', batch), gateway);
    return sign(batch, owner);
  });
  const eventsOf = (op: Op) => (op.kind === 'create' ? 1 + op.members.length : op.blobs.length + 2 * op.tags.length);

  // The pool orders transactions by signer, so a gateway push for a space created in the same
  // block could come before the owner's add_proxy: such a push waits for the next block.
  const createdIn = new Map<number, number>();
  let deferred: Op[] = [];
  const blocks = plan.firstOp.length - 1;
  for (let b = 0; b < blocks || deferred.length > 0; b++) {
    const ops = b < blocks ? [...deferred, ...plan.ops.slice(plan.firstOp[b], plan.firstOp[b + 1])] : deferred;
    deferred = [];
    const txs: Uint8Array[] = [];
    let events = 0;
    for (const op of ops) {
      if (op.kind === 'create') createdIn.set(op.space, blockNumber);
      else if (plan.viaGateway[op.space] && createdIn.get(op.space) === blockNumber) {
        deferred.push(op);
        continue;
      }
      txs.push(buildOp(op));
      events += eventsOf(op);
    }
    yield { type: 'block', txs, events, funding: false };
    blockNumber++;
  }
}

export interface Builder {
  /** The next message, waiting for it if need be; the time spent waiting is added to `waitMs`. */
  next(): Promise<BuiltBlock | { type: 'done'; times: BuildTimes }>;
  readonly waitMs: number;
  stop(): Promise<void>;
}

/** Starts the builder in a worker thread; resolves once it is connected and about to build. */
export async function startBuilder(plan: LoadPlan, httpUrl: string, genesisHash: string, firstBlock: number): Promise<Builder> {
  const channel = new MessageChannel();
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, {
    eval: true,
    workerData: { role: 'hcr-bench-builder', plan, httpUrl, genesisHash, firstBlock, port: channel.port2 },
    transferList: [channel.port2],
  });
  let failure: Error | undefined;
  worker.on('error', (error) => (failure = error));
  worker.on('exit', (code) => (failure ??= code === 0 ? undefined : new Error(`the builder thread exited with ${code}`)));
  let waitMs = 0;
  const receive = async (): Promise<BuilderMessage> => {
    for (;;) {
      const received = receiveMessageOnPort(channel.port1);
      if (received) {
        const message = received.message as BuilderMessage;
        if (message.type === 'error') throw new Error(`the builder thread failed: ${message.message}`);
        return message;
      }
      if (failure) throw failure;
      const start = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 1));
      waitMs += performance.now() - start;
    }
  };
  const ready = await receive();
  if (ready.type !== 'ready') throw new Error(`the builder thread said ${ready.type} first`);
  waitMs = 0;
  return {
    next: receive as Builder['next'],
    get waitMs() {
      return waitMs;
    },
    async stop() {
      channel.port1.close();
      await worker.terminate();
    },
  };
}

async function runBuilder(data: { plan: LoadPlan; httpUrl: string; genesisHash: string; firstBlock: number; port: MessagePort }): Promise<void> {
  const { port } = data;
  try {
    const times: BuildTimes = { connect: 0, keys: 0, build: 0, sign: 0 };
    const start = performance.now();
    await waitReady();
    const api = await ApiPromise.create({ provider: new HttpProvider(data.httpUrl), noInitWarn: true });
    times.connect = performance.now() - start;
    port.postMessage({ type: 'ready' } satisfies BuilderMessage);
    for (const block of buildBlocks(api, data.plan, data.genesisHash, data.firstBlock, times)) port.postMessage(block satisfies BuilderMessage);
    port.postMessage({ type: 'done', times } satisfies BuilderMessage);
    await api.disconnect();
  } catch (error) {
    port.postMessage({ type: 'error', message: (error as Error).stack ?? String(error) } satisfies BuilderMessage);
  } finally {
    port.close();
  }
}

if (!isMainThread && workerData?.role === 'hcr-bench-builder') void runBuilder(workerData);
