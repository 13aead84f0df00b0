// Imported bundles' records answer only while neither the chain nor the index can be asked
// (src/gateway/README.md, README "Offline bundles"). With the chain down and the index up, an
// index that knows a name's owner and says the owner has no such tag is an answer: an --offline
// file, naming a space of its own as the name's owner, must not add the tag behind its back.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ImportedRecords, importedRecordsDir } from '../../src/gateway/bundles/imported-records';
import { ChainUnavailableError } from '../../src/gateway/errors/from-internal';
import { parseName } from '../../src/gateway/oci/reference';
import type { ChainReader } from '../../src/gateway/resolve/chain-reader';
import type { RegistryIndex } from '../../src/gateway/resolve/registry-index';
import { Resolver } from '../../src/gateway/resolve/resolver';
import type { LocalBlobs } from '../../src/gateway/storage/local-blobs';

const dataDir = mkdtempSync(join(tmpdir(), 'hcr-records-beside-index-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('with the chain down, an index that answers "no such tag" is not overruled by an --offline record naming another owner', async () => {
  const evil = `sha256:${'e'.repeat(64)}`;
  // An --offline import (never checked): mallory's space owns acme, and acme/web:evil is hers.
  const record = {
    format: 'hcr-bundle/1',
    chain: { genesisHash: `0x${'00'.repeat(32)}`, block: { number: 1_000_000, hash: `0x${'01'.repeat(32)}` } },
    exportedAt: new Date().toISOString(),
    spaces: [{ name: 'acme', id: '999', owner: '5mallory' }],
    tags: [{ repository: 'acme/web', tag: 'evil', digest: evil, recordedBy: null }],
    content: [],
  };
  mkdirSync(importedRecordsDir(dataDir), { recursive: true });
  writeFileSync(join(importedRecordsDir(dataDir), 'bafyevil.json'), JSON.stringify({ recordCid: 'bafyevil', record, importedAt: new Date().toISOString(), confirmed: false }));

  const down = () => Promise.reject(new ChainUnavailableError('the chain is not connected'));
  const chain = { tagWithClaim: down, claim: down, isConnected: false } as unknown as ChainReader;
  // The index is up: acme is alice's space 7, and alice has no acme/web:evil.
  const index = {
    ownerTag: async () => ({ spaceKnown: true, digest: undefined }),
    nameOwner: async () => ({ id: '7', owner: '5alice' }),
  } as unknown as RegistryIndex;
  const resolver = new Resolver({ chain, index, local: {} as LocalBlobs, imported: new ImportedRecords(dataDir), log: () => undefined });

  assert.equal((await resolver.owner('acme')).account, '5alice', 'the index names acme\'s owner');
  const answer = await resolver.resolveTag(parseName('acme/web'), 'evil').catch((error: Error) => ({ error: error.name }));
  assert.notEqual((answer as { digest?: string }).digest, evil, 'acme/web:evil resolved to the --offline record\'s digest though the index, which could be asked, says acme\'s owner has no such tag');
});
