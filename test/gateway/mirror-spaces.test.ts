// What `hcr mirror` and `--mirror` take as spaces. An image (`acme/web`) or a name no space can
// have, given as a space, matches no image: the mirror would run holding nothing while its
// status showed nothing missing, and the operator would count on a copy that is not there. It
// is refused when the gateway starts, naming what to give instead; a space named twice is
// mirrored once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';
import type { GatewayContext } from '../../src/gateway/context';
import { Mirror } from '../../src/gateway/mirror/mirror';
import { collect, spawnHcr } from '../cli/helpers/run-hcr';

const ctx = {} as GatewayContext;
const api = {} as ApiPromise;

describe('the spaces a mirror is given', () => {
  test('refuses an image, a capitalised name and an empty one, naming what to give', () => {
    for (const space of ['acme/web', 'Acme', '', '../acme']) {
      assert.throws(
        () => new Mirror(ctx, api, ['tools', space]),
        (error: Error) => error.message.startsWith(`cannot mirror ${JSON.stringify(space)}: `) && error.message.endsWith('--mirror and hcr mirror take spaces (acme), and mirror every image of each'),
        space,
      );
    }
  });

  test('mirrors a space named twice once', () => {
    assert.deepEqual(new Mirror(ctx, api, ['acme', 'tools', 'acme']).status().spaces, ['acme', 'tools']);
  });

  test('hcr mirror refuses an image given as a space before it asks the chain (exit 2)', async () => {
    // No chain runs at this address: the refusal must come first.
    const run = await collect(spawnHcr(['mirror', 'acme/web', '--chain', 'ws://127.0.0.1:9'], process.env), 'hcr mirror acme/web');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /space name "acme\/web" is not valid: .*hcr mirror takes spaces \(acme\) and mirrors every image of each/);
    assert.doesNotMatch(run.stderr, /cannot reach the chain/);
  });
});
