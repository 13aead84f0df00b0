// A repository walk without the index follows chain storage's tags only while the name is not
// contested. The claim it checked was the resolver's cached owner (kept for a few seconds), while
// the tags were read at the newest block: a squatter who creates a same-named space that sorts
// first and records a tag in the same block, right after any request cached the owner, had the
// walk take the squatter's manifest for the owner's. The repository then kept it for good: its
// manifest served by digest under the owner's name, its layers as the owner's blobs, and an
// artifact with the owner's image as subject listed among that image's referrers. The tag list
// (and a mirror, and a bundle export) likewise listed the squatter's tags under the owner's name.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';
import { addManifest, batchAll, createSpace, nextSpaceId, sortsBefore, spacesByName, storeDigestInfo } from '../../src/chain';
import type { RunningGateway } from '../../src/gateway';
import { rpcSend, settledHead } from '../helpers/devnet';
import { blobOf, makeImage, OCI_MANIFEST, pushImage, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

let t: TestGateway;
let replica: RunningGateway;

before(async () => {
  t = await startTestGateway();
  // A read-only gateway without the index: what it knows of acme comes from chain storage.
  replica = await t.startReplica();
});
after(async () => {
  await t?.close();
});

const newBlock = (api: ApiPromise, params: { count?: number; extrinsics?: string[] }) => rpcSend<string>(api, 'dev_newBlock', [params]);

test("a squatter's tag recorded right after the owner was looked up does not join the owner's repository", { timeout: 120_000 }, async () => {
  const api = t.chain.api;
  const mine = makeImage([randomBlob(700)]);
  await pushImage(t.url, 'acme/app', '1.0', mine);

  // Bob's artifact "about" acme/app:1.0, and a layer only he vouches for.
  const layer = blobOf(`bytes only Bob vouches for ${Date.now()}`);
  const theirs = makeImage([layer], { artifactType: 'application/vnd.example.signature', subject: { mediaType: OCI_MANIFEST, digest: mine.manifest.digest, size: mine.manifest.size } });
  const cidOf = async (bytes: Buffer) => (await t.store.put([bytes])).cid;
  const records = [];
  for (const blob of [theirs.config, layer]) records.push(storeDigestInfo(api, { repo: 'acme', digest: blob.digest, type: 'File', cid: await cidOf(blob.bytes) }));
  records.push(addManifest(api, { repo: 'acme', image: 'app', tag: 'sig', digest: theirs.manifest.digest, cid: await cidOf(theirs.manifest.bytes) }));

  // Signed ahead (immortal): a second "acme", then Bob's records in it, both for one block chosen
  // so that the new space sorts first and takes the name's writes.
  await settledHead(api);
  const [owner] = await spacesByName(api, 'acme');
  const nonce = (await api.rpc.system.accountNextIndex(t.keys.bob.address)).toNumber();
  const create = await createSpace(api, 'acme').signAsync(t.keys.bob, { era: 0, nonce });
  const record = await batchAll(api, records).signAsync(t.keys.bob, { era: 0, nonce: nonce + 1 });
  const next = BigInt(await nextSpaceId(api));
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  let target: number | undefined;
  for (let block = best + 1; block < best + 200 && target === undefined; block++) if (sortsBefore(next + BigInt(block), owner.id)) target = block;
  assert.ok(target !== undefined, 'no block in the next 200 lets a second acme sort first');
  if (target - best - 1 > 0) await newBlock(api, { count: target - best - 1 });

  // Any request for acme (here the tag list) has the gateway look up, and keep, acme's owner.
  const listed = await fetch(`${replica.url}/v2/acme/app/tags/list`);
  assert.deepEqual(((await listed.json()) as { tags: string[] }).tags, ['1.0']);

  await newBlock(api, { extrinsics: [create.toHex(), record.toHex()] });
  const spaces = await spacesByName(api, 'acme');
  assert.equal(spaces.length, 2);
  assert.notEqual(spaces[0].id, owner.id, "the squatter's space does not take acme's writes: the attack was not set up");

  // The tag list, at once: chain storage's tags are now the squatter's writes too.
  const tags = await fetch(`${replica.url}/v2/acme/app/tags/list`);
  const listedNow = tags.status === 200 ? ((await tags.json()) as { tags: string[] }).tags : [];
  assert.ok(tags.status === 200 || tags.status === 409, `tag list answered ${tags.status}`);
  assert.ok(!listedNow.includes('sig'), `Bob's tag is listed among acme/app's: ${listedNow.join(', ')}`);

  // At once, and again once the owner's cached answer has run out.
  for (const when of ['right after the squatter\'s block', 'a few seconds later']) {
    if (when !== 'right after the squatter\'s block') await new Promise((resolve) => setTimeout(resolve, 6_000));
    const referrers = await fetch(`${replica.url}/v2/acme/app/referrers/${mine.manifest.digest}`);
    assert.equal(referrers.status, 200);
    const { manifests } = (await referrers.json()) as { manifests: { digest: string }[] };
    assert.deepEqual(manifests.map((m) => m.digest), [], `${when}: Bob's artifact is listed as a referrer of acme/app's image`);
    const manifest = await fetch(`${replica.url}/v2/acme/app/manifests/${theirs.manifest.digest}`, { headers: { accept: OCI_MANIFEST } });
    assert.equal(manifest.status, 404, `${when}: Bob's manifest was served as acme/app's`);
    const blob = await fetch(`${replica.url}/v2/acme/app/blobs/${layer.digest}`);
    assert.equal(blob.status, 404, `${when}: Bob's layer was served as acme/app's`);
  }
});
