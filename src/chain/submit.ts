// The one way transactions reach the chain: sign, submit and watch, report each status, stop
// watching once the wanted status arrives, and turn every kind of failure — refused by the
// node, dropped from the pool, failed in the block, failed inside a proxy or batch — into a
// ChainTxError.
import type { ApiPromise } from '@polkadot/api';
import type { EventRecord, ExtrinsicStatus } from '@polkadot/types/interfaces';
import { stringLowerFirst } from '@polkadot/util';
import type { Tx } from './calls';
import { readInclusion } from './inclusion';
import { rpcSubmitError } from './rpc-error';
import { isKeyringPair, type TxSigner } from './signers';
import { ChainTxError } from './tx-error';
import { txFailure } from './tx-events';

export type TxStatusName = 'future' | 'ready' | 'broadcast' | 'inBlock' | 'retracted' | 'finalityTimeout' | 'finalized' | 'usurped' | 'dropped' | 'invalid';

export interface TxStatusUpdate {
  readonly status: TxStatusName;
  readonly txHash: string;
  /** For inBlock, retracted, finalityTimeout and finalized. */
  readonly blockHash?: string;
}

export interface SubmitOptions {
  /** Resolve once the transaction is in a best block (default) or in a finalized one. */
  readonly until?: 'inBlock' | 'finalized';
  readonly onStatus?: (update: TxStatusUpdate) => void;
  /** From submission to the wanted status; default 5 minutes. */
  readonly timeoutMs?: number;
  /** Defaults to the account's next nonce, counting its transactions waiting in the pool. */
  readonly nonce?: number;
}

export interface TxResult {
  readonly blockHash: string;
  readonly blockNumber: number;
  readonly txHash: string;
  /** This extrinsic's events, in order. */
  readonly events: EventRecord[];
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

const POOL_FAILURES: Partial<Record<TxStatusName, { name: string; docs: string; hint: string }>> = {
  invalid: { name: 'Invalid', docs: 'The transaction became invalid while waiting in the pool.', hint: 'Sign it again.' },
  dropped: { name: 'Dropped', docs: 'The node dropped the transaction from its pool.', hint: 'Sign and submit it again.' },
  usurped: { name: 'Usurped', docs: 'Another transaction with the same nonce replaced it.', hint: 'Check that account\'s transactions before resubmitting.' },
  finalityTimeout: { name: 'FinalityTimeout', docs: 'The block holding the transaction was not finalized in time.', hint: 'Check whether it was included before resubmitting.' },
};

export async function submitTx(api: ApiPromise, tx: Tx, signer: TxSigner, options: SubmitOptions = {}): Promise<TxResult> {
  if (!api.hasSubscriptions) {
    throw new Error('submitting a transaction needs a WebSocket connection to the chain: use a ws:// or wss:// URL for CHAIN_RPC');
  }
  await sign(tx, signer, options.nonce ?? -1);
  return watch(api, tx, signer.address, options);
}

async function sign(tx: Tx, signer: TxSigner, nonce: number): Promise<void> {
  try {
    if (isKeyringPair(signer)) await tx.signAsync(signer, { nonce });
    else await tx.signAsync(signer.address, { signer: signer.signer, nonce });
  } catch (error) {
    throw new ChainTxError({ kind: 'signing', module: 'Signer', name: 'NotSigned', docs: String((error as Error)?.message ?? error) });
  }
}

function watch(api: ApiPromise, tx: Tx, signer: string, options: SubmitOptions): Promise<TxResult> {
  const until = options.until ?? 'inBlock';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const txHash = tx.hash.toHex();
  return new Promise<TxResult>((resolve, reject) => {
    let done = false;
    let unsubscribe: (() => void) | undefined;
    // Statuses are handled one after another, so events fetched for one never overtake the next.
    let queue = Promise.resolve();

    const finish = (outcome: TxResult | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      api.off('disconnected', onDisconnected);
      unsubscribe?.();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onDisconnected = () =>
      finish(new ChainTxError({ kind: 'disconnected', module: 'Client', name: 'Disconnected', docs: `The connection to the chain closed while waiting for ${txHash}.`, hint: 'It may still be included: check the account\'s events before resubmitting.', txHash }));
    const timer = setTimeout(
      () => finish(new ChainTxError({ kind: 'timeout', module: 'Client', name: 'Timeout', docs: `${txHash} did not reach ${until} within ${timeoutMs} ms.`, hint: 'It may still be included: check the account\'s events before resubmitting.', txHash })),
      timeoutMs,
    );
    api.on('disconnected', onDisconnected);

    const handle = async (status: ExtrinsicStatus) => {
      if (done) return;
      const name = stringLowerFirst(status.type) as TxStatusName;
      const blockHash = blockHashOf(status);
      options.onStatus?.({ status: name, txHash, blockHash });
      // A finalized block is also in the chain: enough when only inclusion was asked for.
      if ((name === until || name === 'finalized') && blockHash) {
        const inclusion = await readInclusion(api, blockHash, txHash);
        const failure = txFailure(api.registry, inclusion.events);
        const result: TxResult = { blockHash, blockNumber: inclusion.blockNumber, txHash, events: inclusion.events };
        finish(failure ? new ChainTxError({ ...failure, kind: 'dispatch', txHash, blockHash, events: inclusion.events }) : result);
        return;
      }
      const poolFailure = POOL_FAILURES[name];
      if (poolFailure) finish(new ChainTxError({ ...poolFailure, kind: 'pool', module: 'TxPool', txHash, blockHash }));
    };

    api.rpc.author
      .submitAndWatchExtrinsic(tx, (status) => {
        queue = queue.then(() => handle(status)).catch((error: Error) => finish(error));
      })
      .then(
        (stop) => {
          if (done) stop();
          else unsubscribe = stop;
        },
        (error: unknown) => finish(rpcSubmitError(error, signer)),
      );
  });
}

function blockHashOf(status: ExtrinsicStatus): string | undefined {
  if (status.isInBlock) return status.asInBlock.toHex();
  if (status.isFinalized) return status.asFinalized.toHex();
  if (status.isRetracted) return status.asRetracted.toHex();
  if (status.isFinalityTimeout) return status.asFinalityTimeout.toHex();
  return undefined;
}
