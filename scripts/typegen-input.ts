// Writes the typegen input (typegen/specVersions.jsonl) from a chain's V14 metadata: from the node
// at CHAIN_RPC when set, otherwise from a development chain started here for the purpose.
// A chain with several runtime versions needs one line per version; Subsquid's
// `squid-substrate-metadata-explorer --rpc <url> --out <file>` finds them all.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startDevnet } from '../src/devnet/node';
import { connectChainRpc } from '../src/indexer/chain-rpc';

const OUT = path.resolve(__dirname, '../typegen/specVersions.jsonl');

interface RuntimeVersion {
  specName: string;
  specVersion: number;
}

async function main(): Promise<void> {
  const devnet = process.env.CHAIN_RPC ? undefined : await startDevnet({ port: 0 });
  const url = process.env.CHAIN_RPC ?? devnet!.wsUrl;
  const rpc = await connectChainRpc(url);
  try {
    const blockHash = await rpc.call<string>('chain_getBlockHash', [0]);
    const version = await rpc.call<RuntimeVersion>('state_getRuntimeVersion', [blockHash]);
    const metadata = await rpc.call<string>('state_getMetadata', [blockHash]);
    // Subsquid reads V14 only; byte 4 after the "meta" magic is the metadata version.
    if (metadata.slice(10, 12) !== '0e') throw new Error(`the chain at ${url} serves metadata V${parseInt(metadata.slice(10, 12), 16)} from state_getMetadata; typegen needs V14`);
    const line = { specName: version.specName, specVersion: version.specVersion, blockNumber: 0, blockHash, metadata };
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify(line) + '\n');
    console.log(`wrote ${path.relative(process.cwd(), OUT)}: ${version.specName} spec ${version.specVersion} from ${devnet ? 'a development chain' : url}`);
  } finally {
    await rpc.close();
    await devnet?.close();
  }
}

main().catch((error) => {
  console.error(`typegen input: ${(error as Error).message}`);
  process.exit(1);
});
