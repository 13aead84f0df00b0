// A file part sent before the metadata part is refused before a byte of it is stored: the push
// policy can only decide on the space the metadata names, so a file taken first would be written
// (up to the largest file a door accepts) for a caller who may not write to that space at all.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type DoorsFixture, startDoors } from './helpers/doors';
import { mintToken } from './helpers/tokens';

/** A multipart body with the file part first and the metadata part after it. */
function fileFirstBody(filePart: string, metadata: object, file: Buffer): { body: Buffer; type: string } {
  const boundary = 'hcrfilefirst';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${filePart}"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${JSON.stringify(metadata)}\r\n--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

describe('a file part before the metadata part', () => {
  let doors: DoorsFixture;
  let bobToken: string;
  let sessionsOpened = 0;

  before(async () => {
    doors = await startDoors();
    // Bob may publish to bobspace only; acme is Alice's.
    bobToken = (await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.bob, ['publish'], 'bob')).token;
    const uploads = doors.t.gateway.gateway.context.uploads;
    const create = uploads.create.bind(uploads);
    uploads.create = (...args: Parameters<typeof create>) => {
      sessionsOpened++;
      return create(...args);
    };
  });
  after(() => doors?.close());

  for (const [door, path, part] of [['firmware', '/firmware', 'firmware'], ['packages', '/api/packages/publish', 'tarball']] as const) {
    test(`${door}: is refused before anything is stored, even for a space the caller may not write to`, async () => {
      sessionsOpened = 0;
      const { body, type } = fileFirstBody(part, { name: 'acme/not-bobs', version: '1.0.0' }, randomBytes(1024 * 1024));
      const response = await fetch(`${doors.url}${path}`, { method: 'POST', body, headers: { 'content-type': type, authorization: `Bearer ${bobToken}` } });
      const text = await response.text();
      assert.equal(response.status, 400, text);
      assert.match(text, /arrived before the metadata part; nothing of it was stored\. Send the metadata part first/);
      assert.equal(sessionsOpened, 0, 'no upload session was opened for the file');
    });
  }

  test('the documented order (metadata, then the file) still publishes', async () => {
    const form = new FormData();
    form.append('metadata', JSON.stringify({ name: 'bobspace/in-order', version: '1.0.0' }));
    form.append('firmware', new Blob([randomBytes(100)]), 'firmware.bin');
    const response = await fetch(`${doors.url}/firmware`, { method: 'POST', body: form, headers: { authorization: `Bearer ${bobToken}` } });
    assert.equal(response.status, 201, await response.text());
  });
});
