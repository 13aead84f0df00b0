// A manifest PUT is authorized as it begins and recorded once its body is in, and a body may be
// trickled a byte at a time for as long as the sender likes (the body-idle bound only wants one now
// and then). A revoked API token, or an access token from /token that expired, must record
// nothing: else a stolen token held in a half-sent PUT pushes whenever its holder finishes it, long
// after the owner revoked it, where the README promises it stops once the access tokens already
// issued expire (minutes).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loginHeader, mintToken } from '../doors/helpers/tokens';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { countPushChecks, heldRequest } from './helpers/held-request';
import { makeImage, OCI_MANIFEST, pushBlob, randomBlob } from './helpers/oci-client';

/** A manifest PUT that sends half its body, then the rest on finish(). */
function startHeldManifestPut(url: string, name: string, tag: string, manifest: Buffer, token: string): { finish(): Promise<Response> } {
  const half = Math.floor(manifest.length / 2);
  return heldRequest(`${url}/v2/${name}/manifests/${tag}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': OCI_MANIFEST } }, manifest.subarray(0, half), manifest.subarray(half));
}

describe('a manifest PUT whose body is held back', () => {
  let t: TestGateway;
  let publisher: string;
  let checks: ReturnType<typeof countPushChecks>;
  const recorded = async (image: string, tag: string) => (await t.gateway.gateway.context.chain.tagWithClaim({ full: `acme/${image}`, repo: 'acme', image }, tag)).digest;
  const imageIn = async (name: string) => {
    const image = makeImage([randomBlob(64)]);
    for (const blob of [image.config, ...image.layers]) assert.equal((await pushBlob(t.url, name, blob, publisher)).status, 201);
    return image;
  };

  before(async () => {
    t = await startTestGateway({ auth: { enabled: true, tokenTtlSeconds: 2 } });
    publisher = (await mintToken(t.url, t.gateway.service, t.keys.alice, ['publish'], 'blobs')).token;
    checks = countPushChecks(t);
  });
  after(async () => {
    await t?.close();
  });

  test('records nothing for an API token revoked before the body is in', async () => {
    const image = await imageIn('acme/held-api-token');
    const { id, token } = await mintToken(t.url, t.gateway.service, t.keys.alice, ['publish'], 'leaked-ci');
    const before = checks.count();
    const put = startHeldManifestPut(t.url, 'acme/held-api-token', '1.0', image.manifest.bytes, token);
    await checks.grownFrom(before, 'PUT');
    const revoked = await fetch(`${t.url}/api/tokens/${id}`, { method: 'DELETE', headers: { authorization: await loginHeader(t.keys.alice, t.gateway.service) } });
    assert.equal(revoked.status, 200);
    const answer = await put.finish();
    const text = await answer.text();
    assert.equal(answer.status, 401, `the manifest was recorded: ${text}`);
    assert.match(text, /\\"leaked-ci\\" was revoked at/);
    assert.equal(await recorded('held-api-token', '1.0'), undefined);
  });

  test('records nothing for an access token that expired before the body is in', async () => {
    const image = await imageIn('acme/held-access-token');
    const issued = await fetch(`${t.url}/token?service=${encodeURIComponent(t.gateway.service)}&scope=repository:acme/held-access-token:pull,push`, { headers: { authorization: await loginHeader(t.keys.alice, t.gateway.service) } });
    const { token } = (await issued.json()) as { token: string };
    const before = checks.count();
    const put = startHeldManifestPut(t.url, 'acme/held-access-token', '1.0', image.manifest.bytes, token);
    await checks.grownFrom(before, 'PUT');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const answer = await put.finish();
    const text = await answer.text();
    assert.equal(answer.status, 401, `the manifest was recorded: ${text}`);
    assert.match(answer.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.match(text, /access token expired/);
    assert.equal(await recorded('held-access-token', '1.0'), undefined);
  });

  test('records a manifest whose token is in force when the body is in', async () => {
    const image = await imageIn('acme/held-in-force');
    const before = checks.count();
    const put = startHeldManifestPut(t.url, 'acme/held-in-force', '1.0', image.manifest.bytes, publisher);
    await checks.grownFrom(before, 'PUT');
    const answer = await put.finish();
    assert.equal(answer.status, 201, await answer.clone().text());
    assert.equal(await recorded('held-in-force', '1.0'), image.manifest.digest);
  });
});
