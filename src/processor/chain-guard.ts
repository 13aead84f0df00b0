// Refuses to index into a database built from another chain, before Subsquid's terser
// "already indexed block … was not found on chain" and with the way out; and, when
// chain.genesisHash pins the chain, a node of another chain before anything is written (the
// gateway trusts its index: an index filled from another chain would name that chain's owners).
import { Client } from 'pg';
import { connectChainRpc } from '../indexer/chain-rpc';
import { withDeadline } from '../limits/deadline';

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

/**
 * Writes the chain's genesis hash into the index (`indexed_chain`, id 0) the first time, and
 * refuses a database that was filled from a chain with another genesis. The gateway compares this
 * hash with its own chain's before it uses the index: a finalized block (what assertSameChain and
 * the gateway compare besides) can only be compared once both chains have reached its height.
 * Needs the migrations applied.
 */
export async function recordIndexedGenesis(dbUrl: string, chainRpc: string, stateSchema = 'squid_processor'): Promise<string> {
  const genesis = await genesisOf(chainRpc);
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    // An index built before the table existed gets its row now: assertSameChain has just checked
    // its blocks against this chain. Its status row is written again with the same values, so
    // that GraphQL answers cached for the index as it was (graphql-response-cache.ts: without the
    // row) are not served until the processor's next commit.
    await client.query('BEGIN');
    try {
      const inserted = await client.query('INSERT INTO indexed_chain (id, genesis_hash) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [INDEXED_CHAIN_ID, genesis]);
      if (inserted.rowCount && (await hasStatusTable(client, stateSchema))) await client.query(`UPDATE ${client.escapeIdentifier(stateSchema)}.status SET height = height WHERE id = 0`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    const { rows } = await client.query<{ genesis_hash: string }>('SELECT genesis_hash FROM indexed_chain WHERE id = $1', [INDEXED_CHAIN_ID]);
    const recorded = rows[0]?.genesis_hash;
    if (recorded === genesis) return genesis;
    throw new ChainMismatchError(
      `The index database holds another chain: it was built from the chain whose genesis hash is ${recorded}, but the chain at ${chainRpc} has the genesis hash ${genesis}. ` +
        `Point DB_URL at an empty database for this chain, or point CHAIN_RPC at the chain this index was built from; nothing was indexed.`,
    );
  } finally {
    await client.end();
  }
}

/** The id of the one row of `indexed_chain`. */
export const INDEXED_CHAIN_ID = '0';

async function genesisOf(chainRpc: string): Promise<string> {
  const rpc = await connectChainRpc(chainRpc);
  try {
    const hash = await rpc.call<string | null>('chain_getBlockHash', [0]);
    if (typeof hash !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(hash)) {
      throw new ChainMismatchError(`the chain at ${chainRpc} answered ${JSON.stringify(hash)} for its genesis hash (block #0), not a block hash: is CHAIN_RPC the node of a Substrate chain?`);
    }
    return hash.toLowerCase();
  } finally {
    await rpc.close();
  }
}

/**
 * Why a processor that stopped on an error stopped, when the reason is that the chain behind its
 * URL changed while it ran (a node of another chain, a dev chain started again): Subsquid then
 * stops on an internal assertion that names neither. Undefined when the index is still of that
 * chain, or when that cannot be found out within `timeoutMs`.
 */
export async function chainChangeAfterExit(dbUrl: string, chainRpc: string, timeoutMs = 10_000): Promise<string | undefined> {
  try {
    await withDeadline(assertSameChain(dbUrl, chainRpc), timeoutMs, 'no answer');
    return undefined;
  } catch (error) {
    return error instanceof ChainMismatchError ? error.message : undefined;
  }
}

/** Throws unless the chain at `chainRpc` has the genesis hash `pinned` (0x and 64 hex digits, lower case). */
export async function assertPinnedChain(chainRpc: string, pinned: string): Promise<void> {
  const served = await genesisOf(chainRpc);
  if (served === pinned) return;
  throw new ChainMismatchError(
    `the chain at ${chainRpc} is another chain than the one pinned: its genesis hash is ${served}, not ${pinned} (chain.genesisHash, --genesis-hash, CHAIN_GENESIS_HASH). ` +
      `Point CHAIN_RPC (--chain) at a node of the pinned chain, or change or remove chain.genesisHash if the chain was meant to change; nothing was indexed.`,
  );
}

async function lastIndexedFinalBlock(dbUrl: string, schema: string): Promise<{ height: number; hash: string } | undefined> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    if (!(await hasStatusTable(client, schema))) return undefined;
    const { rows } = await client.query(`SELECT height, hash FROM ${client.escapeIdentifier(schema)}.status WHERE id = 0`);
    const row = rows[0] as { height: number; hash: string } | undefined;
    return row && row.height >= 0 && row.hash !== '0x' ? row : undefined;
  } finally {
    await client.end();
  }
}

async function hasStatusTable(client: Client, schema: string): Promise<boolean> {
  const exists = await client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, 'status']);
  return Boolean(exists.rowCount);
}
