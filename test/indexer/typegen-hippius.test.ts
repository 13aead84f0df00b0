// Typegen run on the real Hippius metadata (spec 9105, as V14 specVersions) and on the dev
// chain's metadata yields the same ContainerRegistry event, call and storage definitions, so the
// processor's decoders read real Hippius history unchanged.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { startDevnet } from '../../src/devnet/node';
import { connectChainRpc } from '../../src/indexer/chain-rpc';

const HIPPIUS = path.resolve(__dirname, '../../../shared/hippius/specVersions-hippius-9105-v14.jsonl');
const ROOT = path.resolve(__dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'hcr-typegen-'));
after(() => rmSync(work, { recursive: true, force: true }));

function typegen(name: string, specVersions: string): string {
  const outDir = path.join(work, name);
  const config = path.join(work, `${name}.json`);
  writeFileSync(config, JSON.stringify({ outDir, specVersions, pallets: { ContainerRegistry: { events: true, calls: true, storage: true } } }));
  execFileSync(process.execPath, [require.resolve('@subsquid/substrate-typegen/bin/run.js'), config], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  return outDir;
}

/** A generated file without doc comments and with the runtime version named neutrally (v9105 vs the dev chain's). */
function normalized(dir: string, file: string): string {
  return readFileSync(path.join(dir, file), 'utf8')
    .replace(/^[ \t]*\/\*\*[\s\S]*?\*\/\n/gm, '')
    .replace(/\bv\d+\b/g, 'vN')
    .replace(/V\d+\b/g, 'VN');
}

test('ContainerRegistry typegen output is the same from Hippius spec 9105 and from the dev chain', { skip: !existsSync(HIPPIUS) && `the Hippius metadata is not at ${HIPPIUS}` }, async () => {
  const devnet = await startDevnet({ port: 0 });
  const devFile = path.join(work, 'dev.jsonl');
  try {
    const rpc = await connectChainRpc(devnet.wsUrl);
    const blockHash = await rpc.call<string>('chain_getBlockHash', [0]);
    const version = await rpc.call<{ specName: string; specVersion: number }>('state_getRuntimeVersion', [blockHash]);
    const metadata = await rpc.call<string>('state_getMetadata', [blockHash]);
    await rpc.close();
    writeFileSync(devFile, JSON.stringify({ specName: version.specName, specVersion: version.specVersion, blockNumber: 0, blockHash, metadata }) + '\n');
  } finally {
    await devnet.close();
  }
  const fromHippius = typegen('hippius', HIPPIUS);
  const fromDev = typegen('dev', devFile);
  for (const file of ['events.ts', 'calls.ts', 'storage.ts']) {
    const hippius = normalized(fromHippius, path.join('container-registry', file));
    assert.ok(hippius.includes("'ContainerRegistry."), `${file} from Hippius names ContainerRegistry items`);
    assert.equal(normalized(fromDev, path.join('container-registry', file)), hippius, `container-registry/${file} differs`);
  }
  // The types those files refer to (AccountId32, DigestType, SpaceMetadata, DigestInfo).
  const versionFile = (dir: string) => normalized(dir, readdir(dir).find((f) => /^v\d+\.ts$/.test(f))!);
  assert.equal(versionFile(fromDev), versionFile(fromHippius));
  assert.match(versionFile(fromHippius), /export const DigestType: sts.Type<DigestType> = sts.closedEnum/);
});

function readdir(dir: string): string[] {
  return require('node:fs').readdirSync(dir) as string[];
}
