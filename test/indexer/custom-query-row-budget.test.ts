// The custom queries (src/server-extension) count their answers against the request's row budget
// like OpenReader's own: `artifacts(limit: 1000) { versions(limit: 1000) { files … } }` could
// otherwise answer a million versions, each with its files and labels, in one request, past
// GQL_MAX_RESPONSE_ROWS. One budget is kept per request (per OpenReader context), summed over
// every field that answers rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Artifact, ArtifactResolver, type ArtifactVersion } from '../../src/server-extension/resolvers';
import { rowBudgetOf, setMaxResponseRows } from '../../src/indexer/graphql-response-rows';

const MAX = 100;
setMaxResponseRows(MAX);

/** A version with `files` files and two labels: 1 + 1 (space) + 2 + files objects. */
const version = (i: number, files: number): ArtifactVersion => ({
  id: `t${i}`, version: `1.0.${i}`, space: { id: 's', name: 'acme', isNameOwner: true, owner: 'o' },
  labels: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }],
  files: Array.from({ length: files }, (_, f) => ({ title: `f${f}`, mediaType: 'x', digest: 'd', size: 1n })),
} as unknown as ArtifactVersion);

const artifactOf = (versions: ArtifactVersion[]) => Object.assign(new Artifact(), { all: versions });
const resolver = new ArtifactResolver(async () => { throw new Error('no database in this test'); });

test("an artifact's versions count against the request's budget, files and labels included, and past it are refused", () => {
  const request = { openreader: {} };
  // 10 versions of 4 objects each: 40 rows, within 100.
  assert.equal(resolver.versions(artifactOf(Array.from({ length: 10 }, (_, i) => version(i, 0))), null, 1000, request).length, 10);
  assert.equal(rowBudgetOf(request.openreader).used, 40);
  // The same request asking for another artifact's 10 versions of 10 files each (140 rows) passes the bound.
  assert.throws(
    () => resolver.versions(artifactOf(Array.from({ length: 10 }, (_, i) => version(i, 10))), null, 1000, request),
    (error: Error & { extensions?: Record<string, unknown> }) => {
      assert.equal(error.extensions?.code, 'RESPONSE_TOO_LARGE');
      assert.match(error.message, /^This answer would hold more than 100 rows .* or start the server with a larger GQL_MAX_RESPONSE_ROWS\.$/);
      return true;
    },
  );
  // Another request has a budget of its own.
  const other = { openreader: {} };
  assert.equal(resolver.versions(artifactOf(Array.from({ length: 20 }, (_, i) => version(i, 0))), null, 1000, other).length, 20);
});
