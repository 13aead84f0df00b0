// The images docker-compose.yml pulls from a registry name a release: `latest` moves under a
// running system, and Kubo's image migrates its repository on start, which an older Kubo cannot
// read back, so a pull of `latest` on one restart could leave the node unable to go back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '../..');
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { image?: string; build?: unknown }> };

test('images pulled from a registry name a release, not latest', () => {
  let pulled = 0;
  for (const [name, service] of Object.entries(compose.services)) {
    // The registry's own services build their image from the Dockerfile.
    if (service.build !== undefined || service.image === undefined) continue;
    pulled++;
    const match = /^[^@]+?(?::([^:/@]+))?(@sha256:[0-9a-f]{64})?$/.exec(service.image);
    assert.ok(match && (match[1] !== undefined || match[2] !== undefined), `${name}: ${service.image} names no tag or digest, so it pulls latest`);
    assert.notEqual(match[1], 'latest', `${name}: ${service.image}`);
  }
  assert.ok(pulled >= 2, 'Postgres and Kubo are pulled from a registry');
});
