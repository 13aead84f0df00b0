// A package version may carry up to 16 files, each up to `artifacts.maxFileBytes`: the files of
// one version together are bounded too (`artifacts.maxVersionBytes`, by default the per-file
// bound), refused past it with 413 naming the setting and nothing kept.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';

const FILE_BYTES = 40 * 1024;

function packageForm(name: string, version: string, files: Buffer[]): FormData {
  const form = new FormData();
  form.append('metadata', JSON.stringify({ name, version }));
  files.forEach((bytes, i) => form.append(i === 0 ? 'tarball' : 'file', new Blob([bytes]), `part-${i}.bin`));
  return form;
}

describe('the bytes of one package version', () => {
  let t: TestGateway;
  let roomy: TestGateway;

  const publish = async (gateway: TestGateway, name: string, version: string, files: Buffer[]) => {
    const response = await fetch(`${gateway.url}/api/packages/publish`, { method: 'POST', body: packageForm(name, version, files) });
    return { status: response.status, body: await response.text() };
  };
  const tagged = async (gateway: TestGateway, image: string, version: string) => (await gateway.gateway.gateway.context.chain.tagWithClaim({ full: `acme/${image}`, repo: 'acme', image }, version)).digest;

  before(async () => {
    // Files of up to 64 KiB, and by default as much for a whole version.
    t = await startTestGateway({ artifacts: { defaultSpace: 'acme', indexWaitMs: 0, maxFileBytes: 64 * 1024 } });
    roomy = await startTestGateway({ artifacts: { defaultSpace: 'acme', indexWaitMs: 0, maxFileBytes: 64 * 1024, maxVersionBytes: 4 * FILE_BYTES } });
  });
  after(async () => {
    await t?.close();
    await roomy?.close();
  });

  test('files that each fit but together pass the bound are refused with 413 naming maxVersionBytes, and nothing is kept', async () => {
    const refused = await publish(t, 'acme/many', '1.0.0', [randomBytes(FILE_BYTES), randomBytes(FILE_BYTES), randomBytes(FILE_BYTES)]);
    assert.equal(refused.status, 413, refused.body);
    const error = JSON.parse(refused.body).error as { code: string; message: string };
    assert.equal(error.code, 'TOO_LARGE');
    assert.match(error.message, new RegExp(`the files of one version hold at most ${64 * 1024} bytes together, and file 2 goes past that \\(${FILE_BYTES} bytes came before it\\): send fewer or smaller files \\(its operator sets the bound: gateway\\.limits\\.artifacts\\.maxVersionBytes\\); nothing was stored`));
    assert.deepEqual(readdirSync(join(t.dataDir, 'gateway', 'uploads')), [], 'no upload session is left behind');
    assert.equal(await tagged(t, 'many', '1.0.0'), undefined);
    // The same version within the bound is taken.
    const taken = await publish(t, 'acme/many', '1.0.0', [randomBytes(FILE_BYTES), randomBytes(1024)]);
    assert.equal(taken.status, 201, taken.body);
  });

  test('a single file past the per-file bound still names maxFileBytes', async () => {
    const refused = await publish(t, 'acme/big', '1.0.0', [randomBytes(100 * 1024)]);
    assert.equal(refused.status, 413, refused.body);
    assert.match(JSON.parse(refused.body).error.message, /the tarball is larger than 65536 bytes, the most this gateway accepts \(its operator sets the bound: gateway\.limits\.artifacts\.maxFileBytes\)/);
  });

  test('an operator may allow a version more than one file\'s bound', async () => {
    const taken = await publish(roomy, 'acme/many', '1.0.0', [randomBytes(FILE_BYTES), randomBytes(FILE_BYTES), randomBytes(FILE_BYTES)]);
    assert.equal(taken.status, 201, taken.body);
    const refused = await publish(roomy, 'acme/many', '1.0.1', Array.from({ length: 5 }, () => randomBytes(FILE_BYTES)));
    assert.equal(refused.status, 413, refused.body);
    assert.match(JSON.parse(refused.body).error.message, /file 5 goes past that/);
  });
});
