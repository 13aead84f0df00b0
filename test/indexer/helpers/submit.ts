// Submits a polkadot.js extrinsic and waits until it is in a block (or final), failing on a
// dispatch error, with a bounded wait.
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { EventRecord } from '@polkadot/types/interfaces';

export interface Included {
  blockHash: string;
  txHash: string;
  events: EventRecord[];
}

export function submit(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, options: { finalized?: boolean; timeoutMs?: number } = {}): Promise<Included> {
  return new Promise((resolve, reject) => {
    let unsubscribe: (() => void) | undefined;
    const timer = setTimeout(() => {
      unsubscribe?.();
      reject(new Error(`${tx.method.section}.${tx.method.method} was not ${options.finalized ? 'finalized' : 'included'} within ${options.timeoutMs ?? 20_000} ms`));
    }, options.timeoutMs ?? 20_000);
    tx.signAndSend(signer, (result) => {
      const done = options.finalized ? result.status.isFinalized : result.status.isInBlock || result.status.isFinalized;
      if (!done) return;
      clearTimeout(timer);
      unsubscribe?.();
      if (result.dispatchError) return reject(new Error(`${tx.method.section}.${tx.method.method} failed: ${result.dispatchError.toString()}`));
      const blockHash = (result.status.isFinalized ? result.status.asFinalized : result.status.asInBlock).toHex();
      resolve({ blockHash, txHash: tx.hash.toHex(), events: result.events });
    })
      .then((unsub) => (unsubscribe = unsub))
      .catch((error) => {
        clearTimeout(timer);
        reject(error);
      });
  });
}
