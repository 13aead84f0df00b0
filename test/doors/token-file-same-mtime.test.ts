// Gateways sharing a data dir share `api-tokens.json`: each reads it again when another changed it.
// A file's modification time is only as fine as the file system's clock tick (a few milliseconds
// on Linux, a second or two on some file systems), so two writes in one tick leave the same time.
// A revocation written through one gateway in the tick of the other's last write must still be
// seen by the other: else the revoked token keeps working there until the file next changes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiTokens } from '../../src/gateway/auth/api-tokens';

const ACCOUNT = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

describe('an API token file shared by two gateways', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-token-file-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a token revoked through one in the same clock tick as the other\'s last write is refused by both', () => {
    const file = join(dir, 'api-tokens.json');
    const minting = new ApiTokens(file);
    const revoking = new ApiTokens(file);
    // A file system whose clock ticks once a second stamps both writes below with this time.
    const tick = Math.floor(Date.now() / 1000);
    const { token, info } = minting.create(ACCOUNT, { name: 'leaked', scopes: ['publish'], createdBy: 'login' });
    utimesSync(file, tick, tick);
    assert.equal(minting.verify(token).id, info.id);
    revoking.revoke(ACCOUNT, info.id);
    utimesSync(file, tick, tick);
    assert.throws(() => minting.verify(token), /"leaked" was revoked at/);
  });
});
