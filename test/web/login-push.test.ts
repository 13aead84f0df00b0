// The docker login the page hands out works at the gateway: the wallet signs the sign-in message
// from /api/login/message (as an extension's signRaw does, wrapped in <Bytes>), /api/login/token
// turns it into a token, and skopeo pushes with it to the gateway that served the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { startTestGateway } from '../gateway/helpers/gateway';
import { missingTools, run } from '../gateway/helpers/tools';
import { buildImage } from '../gateway/helpers/oci-layout';
import { ensureWebBuild } from '../../src/wallet-api';

async function postJson(url: string, body: unknown): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await response.json();
  assert.equal(response.status, 200, JSON.stringify(json));
  return json;
}

test('the page\'s docker login token pushes with skopeo', { timeout: 600_000, skip: missingTools(['skopeo', 'umoci'], 'skopeo umoci busybox-static') }, async (t) => {
  const webRoot = await ensureWebBuild();
  const gw = await startTestGateway({ auth: { enabled: true }, webRoot });
  t.after(() => gw.close());
  const registry = gw.url.replace('http://', '');
  const { alice } = gw.keys;

  const challenge = await postJson(`${gw.url}/api/login/message`, { address: alice.address });
  assert.equal(challenge.domain, registry);
  const signature = u8aToHex(alice.sign(u8aWrapBytes(challenge.message)));
  const login = await postJson(`${gw.url}/api/login/token`, { message: challenge.message, signature });
  assert.equal(login.username, alice.address);
  assert.match(login.command, new RegExp(`docker login ${registry.replace(/\./g, '\\.')} --username ${alice.address} --password-stdin`));

  const work = join(gw.dataDir, 'image');
  await buildImage(work, join(work, 'oci'), 'v1', { randomSizes: [2048] });
  const target = `docker://${registry}/acme/from-page:1.0`;
  // Without the token the push is refused; with it, it goes through.
  await assert.rejects(run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${join(work, 'oci')}:v1`, target], { timeoutMs: 120_000 }), /unauthorized|authentication required|401/i);
  await run('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', `${login.username}:${login.token}`, `oci:${join(work, 'oci')}:v1`, target], { timeoutMs: 300_000 });
  const tags = JSON.parse((await run('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry}/acme/from-page`])).stdout) as { Tags: string[] };
  assert.deepEqual(tags.Tags, ['1.0']);
});
