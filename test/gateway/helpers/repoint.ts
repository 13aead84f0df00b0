// A stranger's chain record: Bob, owner of a space of his own (`bobs`), points a digest at bytes
// of his choosing (stored in A's IPFS, so A serves them to its peers). The pallet's digest info is
// global and last-writer-wins, so any account may do this to anyone's digests.
import { createSpace, storeDigestInfo, submitTx } from '../../../src/chain';
import { settledHead } from '../../helpers/devnet';
import type { TestGateway } from './gateway';

/** Bob's space `bobs`, from which he writes the records repointDigest submits. */
export async function createBobsSpace(a: TestGateway): Promise<void> {
  await submitTx(a.chain.api, createSpace(a.chain.api, 'bobs'), a.keys.bob);
}

/** Points `digest` at `bytes` as Bob; returns the CID they were stored under. */
export async function repointDigest(a: TestGateway, digest: string, bytes: Buffer): Promise<string> {
  const cid = (await a.store.put([bytes])).cid;
  await submitTx(a.chain.api, storeDigestInfo(a.chain.api, { repo: 'bobs', digest, type: 'File', cid }), a.keys.bob);
  await settledHead(a.chain.api);
  return cid;
}
