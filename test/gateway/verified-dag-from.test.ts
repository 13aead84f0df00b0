// A file's verified blocks from a byte on: a reader let go of by a shared fetch goes on so. The
// walk leaves out the subtrees before that byte, asks the peer for the file from there
// (entity-bytes), and the bytes from that byte are the file's, wherever it falls: at a chunk's
// start, inside one, below two levels of nodes, at the last byte.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { digestInfo } from '../../src/chain';
import { ipfsModules } from '../../src/ipfs/esm';
import { PeerClient } from '../../src/gateway/peers/peer-client';
import { verifiedFile } from '../../src/gateway/peers/verified-dag';
import { makeImage, pushImage, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

describe('a file from peers, from a byte on', () => {
  let a: TestGateway;
  before(async () => {
    a = await startTestGateway();
  });
  after(async () => {
    await a?.close();
  });

  test('yields the file from that byte, asking the peer only for what lies after it', { timeout: 60_000 }, async () => {
    // Over 174 chunks: two levels of nodes above the leaves.
    const image = makeImage([randomBlob(45 * 1024 * 1024 + 17)]);
    await pushImage(a.url, 'acme/from', 'v1', image);
    const file = image.layers[0].bytes;
    const m = await ipfsModules();
    const root = m.CID.parse((await digestInfo(a.chain.api, image.layers[0].digest))!.cid.text!);
    let received = 0;
    const observer = { received: (_peer: PeerClient, bytes: number) => (received += bytes), failed: () => undefined };
    for (const from of [1, 256 * 1024, 256 * 1024 + 3, 30 * 1024 * 1024 + 12345, file.length - 1]) {
      received = 0;
      const pieces: Buffer[] = [];
      for await (const block of verifiedFile(m, root, [new PeerClient(a.url)], () => undefined, undefined, observer, undefined, from)) {
        if (!block.data) continue;
        assert.ok(block.at + block.data.byteLength > from, `block at ${block.at} lies wholly before ${from}`);
        pieces.push(Buffer.from(block.data.subarray(Math.max(from - block.at, 0))));
      }
      assert.ok(Buffer.concat(pieces).equals(file.subarray(from)), `the bytes from ${from}`);
      assert.ok(received < file.length - from + 2 * 1024 * 1024, `${received} bytes came for the ${file.length - from} from ${from}`);
    }
  });
});
