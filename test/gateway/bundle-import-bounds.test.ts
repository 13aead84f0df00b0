// What a hostile bundle costs `hcr import`: a file of a few megabytes must not make it walk
// without end (nodes linking nodes that hold no bytes), hash a petabyte (a record giving a blob
// any size, over a DAG linking one leaf again and again), read an item again for every time the
// record lists it, or hold the rest of a large file in memory because its CAR header or a CID
// says it is gigabytes long. No chain is needed: every import here is --offline, and every
// refusal comes before a chain would be asked. A pipe named as the bundle is refused at once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleError } from '../../src/gateway/bundles/bundle-record';
import { importBundle } from '../../src/gateway/bundles/import-bundle';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { carHeader, varint } from '../../src/ipfs/car';
import { collect, expectExit, type Run, spawnHcr } from '../cli/helpers/run-hcr';
import { type Block, fileNode, rawBlock, writeBundle } from './helpers/bundle-files';
import { blobOf, digestOf, makeImage } from './helpers/oci-client';
import { assertNothingImported } from './helpers/nothing-imported';

/** A refusal comes within seconds; an import still running after this is walking what it should have refused. */
const REFUSAL_MS = 20_000;

/** `hcr import`, killed if it runs past REFUSAL_MS (then `code` is null). */
function hcrImport(args: string[]): Promise<Run & { ms: number }> {
  const started = Date.now();
  const child = spawnHcr(['import', ...args], { ...process.env });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), REFUSAL_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A record around `content`, as of a made-up block (for imports that never ask the chain). */
function offlineRecord(content: unknown[], tags: unknown[] = [], spaces: unknown[] = []) {
  return { format: 'hcr-bundle/1', chain: { genesisHash: `0x${'00'.repeat(32)}`, block: { number: 1, hash: `0x${'01'.repeat(32)}` } }, exportedAt: new Date().toISOString(), spaces, tags, content };
}

describe('hcr import against a bundle built to exhaust it', () => {
  let work: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'hcr-bundle-bounds-'));
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // First: what this process's memory peaked at is measured, so it runs before anything else
  // here holds much of it.
  it('reads no more of a file than a section, when its CAR header or a CID says it is gigabytes long', { timeout: 60_000 }, async () => {
    const leaf = await rawBlock(Buffer.from('x'));
    // 512 MiB of zeros after the lie, as a sparse file: it costs no disk here, and an importer
    // that believes the lengths reads all of it into memory.
    const tail = 512 * 2 ** 20;
    const hugeHeader = join(work, 'huge-header.car');
    writeFileSync(hugeHeader, varint(2 ** 40));
    truncateSync(hugeHeader, tail);
    // A sound header, then a section whose CID says its hash is 2^30 bytes long.
    const hugeCid = join(work, 'huge-cid.car');
    writeFileSync(hugeCid, Buffer.concat([await carHeader([leaf.cid]), varint(2 ** 31), Uint8Array.from([0x01, 0x55, 0x12]), varint(2 ** 30)]));
    truncateSync(hugeCid, tail);

    for (const [file, reason] of [
      [hugeHeader, /is not a CAR file \(its header is 1099511627776 bytes, not 1 to 65536\)/],
      [hugeCid, /is not a whole CAR file \(the section at byte \d+ does not start with a CID/],
    ] as const) {
      const target = mkdtempSync(join(work, 'huge-length-'));
      const store = await EmbeddedBlobStore.open(embeddedIpfsDir(target));
      const peakBefore = process.resourceUsage().maxRSS;
      try {
        await assert.rejects(importBundle(file, { store, dataDir: target }), (error: Error) => error instanceof BundleError && reason.test(error.message), file);
      } finally {
        await store.close();
      }
      const grewKiB = process.resourceUsage().maxRSS - peakBefore;
      assert.ok(grewKiB < 128 * 1024, `${file}: refusing it took ${Math.round(grewKiB / 1024)} MiB more memory than before`);
      assertNothingImported(target, file);
    }
  });

  it('refuses a pipe named as the bundle, without waiting for a writer', { timeout: 60_000 }, async () => {
    const file = join(work, 'pipe.car');
    execFileSync('mkfifo', [file]);
    const target = mkdtempSync(join(work, 'pipe-'));
    const refused = await hcrImport([file, '--data-dir', target, '--offline']);
    assert.notEqual(refused.code, null, `the import was still waiting on the pipe after ${REFUSAL_MS} ms`);
    expectExit(refused, 2);
    assert.match(refused.stderr, /pipe\.car is not a regular file: copy the bundle to a file and import that; nothing was imported/);
  });

  it('refuses a DAG of nodes that only link nodes holding no bytes, without walking it', { timeout: 60_000 }, async () => {
    // An empty leaf; above it 30 levels of nodes each linking the one below twice: 2^30 walks of
    // an empty leaf, from a file of a few kilobytes, for a "file" whose root says 1 GiB.
    const blocks: Block[] = [];
    let below: Block & { size: number } = { ...(await rawBlock(new Uint8Array(0))), size: 1 };
    blocks.push(below);
    for (let level = 0; level < 30; level++) {
      below = await fileNode([{ cid: below.cid, size: below.size }, { cid: below.cid, size: below.size }]);
      blocks.push(below);
    }
    const file = join(work, 'barren.car');
    await writeBundle(file, offlineRecord([{ digest: digestOf('anything'), cid: below.cid.toString(), kind: 'blob', size: below.size, repositories: [], recordedBy: null }]), blocks.reverse());
    const target = mkdtempSync(join(work, 'barren-'));
    const refused = await hcrImport([file, '--data-dir', target, '--offline']);
    assert.notEqual(refused.code, null, `the import was still walking the DAG after ${REFUSAL_MS} ms`);
    expectExit(refused, 2);
    assert.match(refused.stderr, /65 blocks in a row under \S+ hold none of sha256:[0-9a-f]{64}'s bytes: no importer writes a file so.*nothing was imported/);
    assertNothingImported(target, file);
  });

  it('refuses a blob the record makes larger than a gateway takes one, before hashing any of it', { timeout: 60_000 }, async () => {
    // One 1 MiB leaf linked 4096 × 4096 times: a root that says 16 TiB, as the record does, so
    // neither size check refuses it; only the hash would, after 16 TiB of reading.
    const leaf = await rawBlock(new Uint8Array(1 << 20));
    const middle = await fileNode(Array.from({ length: 4096 }, () => ({ cid: leaf.cid, size: 1 << 20 })));
    const root = await fileNode(Array.from({ length: 4096 }, () => ({ cid: middle.cid, size: middle.size })));
    const file = join(work, 'sixteen-tebibytes.car');
    await writeBundle(file, offlineRecord([{ digest: digestOf('anything'), cid: root.cid.toString(), kind: 'blob', size: root.size, repositories: [], recordedBy: null }]), [root, middle, leaf]);
    const target = mkdtempSync(join(work, 'sixteen-tebibytes-'));
    const refused = await hcrImport([file, '--data-dir', target, '--offline']);
    assert.notEqual(refused.code, null, `the import was still hashing after ${REFUSAL_MS} ms`);
    expectExit(refused, 2);
    assert.match(refused.stderr, new RegExp(`is recorded as a blob of ${2 ** 44} bytes, more than the ${16 * 2 ** 30} this gateway accepts for one \\(gateway.limits.uploads.maxBlobBytes; hcr import --max-blob-bytes\\)`));
    assertNothingImported(target, file);

    // The bound is the operator's: a real 2 KiB layer is refused under --max-blob-bytes 1000.
    const image = makeImage([blobOf(Buffer.alloc(2048, 7))]);
    const parts = [image.manifest, image.config, image.layers[0]];
    const partBlocks = await Promise.all(parts.map((part) => rawBlock(part.bytes)));
    const small = join(work, 'small.car');
    await writeBundle(small, offlineRecord(parts.map((part, i) => ({ digest: part.digest, cid: partBlocks[i].cid.toString(), kind: i === 0 ? 'manifest' : 'blob', size: part.size, repositories: [], recordedBy: null })), [{ repository: 'acme/web', tag: 'v1', digest: image.manifest.digest, recordedBy: null }]), partBlocks);
    const bounded = mkdtempSync(join(work, 'bounded-'));
    const tooBig = await hcrImport([small, '--data-dir', bounded, '--offline', '--max-blob-bytes', '1000']);
    expectExit(tooBig, 2);
    assert.match(tooBig.stderr, new RegExp(`${image.layers[0].digest} is recorded as a blob of 2048 bytes, more than the 1000 this gateway accepts`));
    assertNothingImported(bounded, small);

    // The same bound and data dir from the configuration file (HCR_CONFIG) the gateway runs with.
    const configured = mkdtempSync(join(work, 'configured-'));
    const config = join(work, 'hcr.yaml');
    writeFileSync(config, `dataDir: ${configured}\ngateway:\n  limits:\n    uploads:\n      maxBlobBytes: 1000\n`);
    const fromConfig = await collect(spawnHcr(['import', small, '--offline'], { ...process.env, HCR_CONFIG: config }), 'hcr import with HCR_CONFIG');
    expectExit(fromConfig, 2);
    assert.match(fromConfig.stderr, /is recorded as a blob of 2048 bytes, more than the 1000 this gateway accepts/);
    assertNothingImported(configured, small);
  });

  it('refuses a record that lists an item or a space more than once, or a tag with two digests, reading none of it', { timeout: 60_000 }, async () => {
    // Listed again, an item is read and hashed again: a bundle of one 1 GiB layer of zeros (one
    // 1 MiB leaf, linked 1024 times) listed 30,000 times would have the import hash 30 TB.
    const image = makeImage([blobOf('a layer\n')]);
    const parts = [image.manifest, image.config, image.layers[0]];
    const blocks = await Promise.all(parts.map((part) => rawBlock(part.bytes)));
    const content = parts.map((part, i) => ({ digest: part.digest, cid: blocks[i].cid.toString(), kind: i === 0 ? 'manifest' : 'blob', size: part.size, repositories: [], recordedBy: null }));
    const tag = { repository: 'acme/web', tag: 'v1', digest: image.manifest.digest, recordedBy: null };
    const space = { name: 'acme', id: '1', owner: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY' };
    for (const [name, record, reason] of [
      ['item', offlineRecord([...content, content[2], content[2]], [tag]), `content "${image.layers[0].digest}" is listed more than once`],
      ['tag', offlineRecord(content, [tag, { ...tag, digest: image.config.digest }]), 'tag "acme/web:v1" is listed with two digests'],
      ['space', offlineRecord(content, [tag], [space, { ...space, id: '2' }]), 'space "acme" is listed more than once'],
    ] as const) {
      const file = join(work, `twice-${name}.car`);
      await writeBundle(file, record, blocks);
      const target = mkdtempSync(join(work, `twice-${name}-`));
      const store = await EmbeddedBlobStore.open(embeddedIpfsDir(target));
      try {
        await assert.rejects(
          importBundle(file, { store, dataDir: target }),
          (error: Error) => error instanceof BundleError && error.message.includes(`the bundle's record is malformed (${reason}): make the bundle again with hcr export`),
          name,
        );
      } finally {
        await store.close();
      }
      assertNothingImported(target, file);
    }

    // The same tag twice with one digest, as an export whose selections overlapped wrote it: taken once.
    const file = join(work, 'twice-same-tag.car');
    await writeBundle(file, offlineRecord(content, [tag, tag]), blocks);
    const target = mkdtempSync(join(work, 'twice-same-tag-'));
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(target));
    try {
      const result = await importBundle(file, { store, dataDir: target });
      assert.deepEqual(result.record.tags.map((t) => `${t.repository}:${t.tag}`), ['acme/web:v1']);
    } finally {
      await store.close();
    }
  });

  it('refuses tags that put the items in more (item, repository) pairs than the bound, before any is kept', { timeout: 60_000 }, async () => {
    // One manifest of 1,100 tiny layers, tagged in 1,000 repositories: a record of a few hundred
    // kilobytes, 1.1 million pairs. Twenty times as many of each fit in the record's 8 MiB: 400
    // million pairs, which exhausted the import's memory before anything else refused the bundle.
    const layers = Array.from({ length: 1_100 }, (_, i) => blobOf(`${i}`));
    const image = makeImage(layers);
    const parts = [image.manifest, image.config, ...layers];
    const blocks = await Promise.all(parts.map((part) => rawBlock(part.bytes)));
    const content = parts.map((part, i) => ({ digest: part.digest, cid: blocks[i].cid.toString(), kind: i === 0 ? 'manifest' : 'blob', size: part.size, repositories: [], recordedBy: null }));
    const tags = Array.from({ length: 1_000 }, (_, i) => ({ repository: `acme/r${i}`, tag: 'v1', digest: image.manifest.digest, recordedBy: null }));
    const file = join(work, 'fan-out.car');
    await writeBundle(file, offlineRecord(content, tags), blocks);
    const target = mkdtempSync(join(work, 'fan-out-'));
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(target));
    try {
      await assert.rejects(
        importBundle(file, { store, dataDir: target }),
        (error: Error) => error instanceof BundleError && /in more than 1000000 \(item, repository\) pairs, far more than hcr export writes: the bundle was altered, or export fewer repositories per bundle; nothing was imported/.test(error.message),
      );
    } finally {
      await store.close();
    }
    assertNothingImported(target, file);
  });
});
