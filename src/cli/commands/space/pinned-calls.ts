// The calls `hcr space` signs are built by polkadot.js from the metadata the node at --chain
// serves, and that node can be anyone's (a public RPC endpoint, or a plain ws:// connection
// someone sits in the middle of). Metadata that moves a pallet or a call index, or reorders
// ProxyType, makes the same words encode another call: "create the space acme" signed as a
// Balances transfer, a NonTransfer grant signed as an Any proxy that can move funds. The node
// also hands back the chain's genesis hash, so the signature is good on the real chain. So before
// signing, each call's bytes are compared with the Hippius runtime's own encoding of it, the one
// the web page checks the registry's API against (src/web/call-bytes.ts).
import { u8aEq, u8aToHex } from '@polkadot/util';
import type { Tx } from '../../../chain';
// Plain byte encoding, no DOM: shared with the page so both pin the same indices.
import { callBytes, callDescription, callName, type RequestedCall } from '../../../web/call-bytes';
import { CliError, EXIT } from '../../errors';

/** `tx`, when its call is byte for byte the runtime's encoding of `call`; otherwise a CliError and nothing is signed. */
export function pinnedCall(tx: Tx, call: RequestedCall): Tx {
  const built = tx.method.toU8a();
  const wanted = callBytes(call);
  if (u8aEq(built, wanted)) return tx;
  const what = callName(built) === callName(wanted) ? `${callName(wanted)} with other argument bytes` : `${callName(built)}, not ${callName(wanted)}`;
  throw new CliError(
    `the chain's metadata turns "${callDescription(call)}" into ${what} (${short(u8aToHex(built))} where the Hippius runtime has ${short(u8aToHex(wanted))}), ` +
      'so signing it could do something other than what you asked on the real chain: nothing was signed. ' +
      'Connect to a node you run or trust, over wss://, with --chain or CHAIN_RPC',
    EXIT.failed,
  );
}

const short = (hex: string): string => (hex.length > 40 ? `${hex.slice(0, 40)}…` : hex);
