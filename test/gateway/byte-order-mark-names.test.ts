// A space named with a byte-order mark before another space's name ("\uFEFFacme" beside "acme"):
// the pallet takes any bytes as a name, and a UTF-8 decoder that drops a leading BOM reads both as
// "acme". The stranger's records must stay the stranger's: not listed among acme's tags, and
// neither its manifest nor its layers served under acme's repositories.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { submitTx } from '../../src/chain';
import { chainBytes } from '../../src/chain/bytes';
import { settledHead } from '../helpers/devnet';
import { blobOf, makeImage, pushImage, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const LOOKALIKE = '\uFEFFacme';
let t: TestGateway;

before(async () => {
  t = await startTestGateway();
});
after(async () => {
  await t?.close();
});

test('a name read from chain keeps its byte-order mark: its text is its bytes', () => {
  const read = chainBytes(Buffer.from(LOOKALIKE));
  assert.equal(read.hex, '0xefbbbf61636d65');
  assert.equal(read.text, LOOKALIKE);
  assert.notEqual(read.text, 'acme');
});

test("a stranger's space named BOM + acme adds nothing to acme's repositories", async () => {
  await pushImage(t.url, 'acme/app', 'v1', makeImage([randomBlob(64)]));
  // Bob, who is no member of acme, records an image under the lookalike name, as anyone can.
  const api = t.chain.api;
  const layer = blobOf(`bytes only Bob vouches for ${Date.now()}`);
  const image = makeImage([layer]);
  const cidOf = async (bytes: Buffer) => (await t.store.put([bytes])).cid;
  // Written with polkadot.js directly: this project's own call builders refuse such a name.
  const hex = (text: string) => `0x${Buffer.from(text).toString('hex')}`;
  const name = hex(LOOKALIKE);
  const registry = api.tx.containerRegistry;
  await submitTx(api, registry.createSpace(name), t.keys.bob);
  const records = [];
  for (const blob of [image.config, layer]) records.push(registry.storeDigestInfo(name, hex(blob.digest), 'File', hex(await cidOf(blob.bytes))));
  records.push(registry.addManifestHeadDigestAndManifestJsonCid(name, hex('app'), hex('evil'), hex(image.manifest.digest), hex(await cidOf(image.manifest.bytes))));
  await submitTx(api, api.tx.utility.batchAll(records), t.keys.bob);
  await settledHead(api);

  const tags = await fetch(`${t.url}/v2/acme/app/tags/list`);
  assert.deepEqual(((await tags.json()) as { tags: string[] }).tags, ['v1']);
  const manifest = await fetch(`${t.url}/v2/acme/app/manifests/${image.manifest.digest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(manifest.status, 404, "Bob's manifest was served as acme's");
  const blob = await fetch(`${t.url}/v2/acme/app/blobs/${layer.digest}`);
  assert.equal(blob.status, 404, "Bob's layer was served as acme's");
});
