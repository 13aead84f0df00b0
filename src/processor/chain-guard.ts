// Refuses to index into a database built from another chain, before Subsquid's terser
// "already indexed block … was not found on chain" and with the way out.
import { Client } from 'pg';
import { connectChainRpc } from '../indexer/chain-rpc';

export class ChainMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainMismatchError';
  }
}

export async function assertSameChain(dbUrl: string, chainRpc: string, stateSchema = 'squid_processor'): Promise<void> {
  const indexed = await lastIndexedFinalBlock(dbUrl, stateSchema);
  if (!indexed) return;
  const rpc = await connectChainRpc(chainRpc);
  let onChain: string | null;
  try {
    onChain = await rpc.call<string | null>('chain_getBlockHash', [indexed.height]);
  } finally {
    await rpc.close();
  }
  if (onChain === indexed.hash) return;
  throw new ChainMismatchError(
    `The index database holds another chain: it indexed block #${indexed.height} as ${indexed.hash}, but the chain at ${chainRpc} has ${onChain ?? 'no block'} at that height. ` +
      `Point DB_URL at an empty database for this chain (with hcr dev: start with a fresh --data-dir, or delete its postgres directory along with the chain), or point CHAIN_RPC at the chain this index was built from.`,
  );
}

async function lastIndexedFinalBlock(dbUrl: string, schema: string): Promise<{ height: number; hash: string } | undefined> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, 'status']);
    if (!exists.rowCount) return undefined;
    const { rows } = await client.query(`SELECT height, hash FROM ${client.escapeIdentifier(schema)}.status WHERE id = 0`);
    const row = rows[0] as { height: number; hash: string } | undefined;
    return row && row.height >= 0 && row.hash !== '0x' ? row : undefined;
  } finally {
    await client.end();
  }
}
