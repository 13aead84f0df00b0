// Submitting with progress on stderr (signing → ready → in block #N → finalized), so stdout
// carries only the result.
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { type SubmitOptions, submitTx, type Tx, type TxResult, type TxStatusUpdate } from '../../../chain';
import { CliError, EXIT } from '../../errors';
import type { WaitFor } from './options';

export const say = (line: string) => process.stderr.write(`${line}\n`);

export function submitWithProgress(api: ApiPromise, tx: Tx, signer: KeyringPair, wait: WaitFor): Promise<TxResult> {
  return withProgress(api, signer, wait, (options) => submitTx(api, tx, signer, options));
}

/** Runs `submit` (a submitTx or a helper around it) with the progress lines wired in. */
export async function withProgress<T>(api: ApiPromise, signer: KeyringPair, wait: WaitFor, submit: (options: SubmitOptions) => Promise<T>): Promise<T> {
  if (!api.hasSubscriptions) {
    throw new CliError('sending a transaction needs a WebSocket connection to follow it into a block: give a ws:// or wss:// URL with --chain or CHAIN_RPC', EXIT.usage);
  }
  say(`signing as ${signer.address}`);
  // Block numbers are looked up as statuses arrive; the queue keeps the lines in order.
  let lines = Promise.resolve();
  const onStatus = (update: TxStatusUpdate) => {
    lines = lines.then(() => statusLine(api, update)).then(
      (line) => {
        if (line) say(line);
      },
      () => {
        say(update.status);
      },
    );
  };
  try {
    return await submit({ until: wait, onStatus });
  } finally {
    await settleWithin(lines, LINES_GRACE_MS);
  }
}

/** A lost connection must not keep the command waiting for a block number it cannot get. */
const LINES_GRACE_MS = 2_000;

async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

async function statusLine(api: ApiPromise, { status, blockHash, txHash }: TxStatusUpdate): Promise<string | undefined> {
  switch (status) {
    case 'ready':
      return `ready: transaction ${txHash} is waiting for a block`;
    case 'broadcast':
      return undefined;
    case 'inBlock':
    case 'finalized':
    case 'retracted': {
      const number = blockHash ? (await api.rpc.chain.getHeader(blockHash)).number.toNumber() : undefined;
      const label = status === 'inBlock' ? 'in block' : status === 'finalized' ? 'finalized in block' : 'retracted from block';
      return `${label} #${number ?? '?'} (${blockHash})`;
    }
    default:
      return status;
  }
}
