// The trustless route on its own, over a store of blocks held in memory, for the tests of its
// answers: a record that allows every CID, a store whose reads a test may hold back, a server on
// a free port, and a CAR answer read back with every block checked against its CID.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { CID } from 'multiformats/cid';
import { BlobNotFoundError, type BlobStore } from '../../../src/ipfs';
import { dagBlocks } from '../../../src/ipfs/dag-blocks';
import { ipfsModules } from '../../../src/ipfs/esm';
import type { RecordedCids } from '../../../src/gateway/trustless/recorded-cids';

/** Every CID is one a chain record points at. */
export const everyCidRecorded = { allows: async () => true, learning: false, allowChildren: () => undefined } as unknown as RecordedCids;

/** A store of `held` blocks (by CID text); `read` answers the DAG walks' reads, default `held` itself. */
export async function heldBlocksStore(held: Map<string, Uint8Array>, read?: (cid: CID) => Promise<Uint8Array | undefined>): Promise<BlobStore> {
  const m = await ipfsModules();
  const readHeld = read ?? (async (cid: CID) => held.get(cid.toString()));
  return {
    getBlock: async (text: string) => held.get(text) ?? Promise.reject(new BlobNotFoundError(text, 'not held')),
    blocks: (text: string, options: { range?: { start: number; end: number }; once?: boolean } = {}) => dagBlocks(m, m.CID.parse(text), readHeld, options.range, { once: options.once }),
  } as unknown as BlobStore;
}

/** `app` listening on a free loopback port. */
export async function listenOnLoopback(app: Express): Promise<{ server: http.Server; base: string }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The roots and blocks of a CAR answer, each block checked against its CID (sha2-256, as every CID here is). */
export async function carBlocks(response: Response): Promise<{ roots: CID[]; blocks: { cid: CID; bytes: Uint8Array }[] }> {
  const [{ CarBlockIterator }, m] = await Promise.all([import('@ipld/car'), ipfsModules()]);
  const iterator = await CarBlockIterator.fromBytes(new Uint8Array(await response.arrayBuffer()));
  const blocks = [];
  for await (const block of iterator) {
    const actual = m.CID.createV1(block.cid.code, await m.sha256.digest(block.bytes));
    assert.ok(actual.equals(block.cid.toV1()), `block ${block.cid} holds other bytes`);
    blocks.push(block);
  }
  return { roots: await iterator.getRoots(), blocks };
}
