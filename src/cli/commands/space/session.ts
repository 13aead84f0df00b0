// Running a command of `hcr space` (and `hcr login`): one chain connection, closed whatever happens, and every
// expected failure turned into a CliError with the documented exit code (never a stack trace).
// With --json the failure is also written to stdout, so a script reads one JSON document
// whichever way the command ends.
import type { ApiPromise } from '@polkadot/api';
import { ChainConnectionError, chainErrorText, ChainTxError, connectChain, InvalidInputError } from '../../../chain';
import { CliError, EXIT } from '../../errors';
import { hideUrlLogins } from '../../../observability/url-logins';
import { jsonText } from '../../json-output';
import { chainUrl, type ReadFlags } from './options';

/** Few retries: a person is waiting, and an unreachable chain should be reported within seconds. */
const CONNECT = { retries: 2, retryDelayMs: 500, timeoutMs: 10_000 } as const;

export async function withChain<T>(flags: ReadFlags, use: (api: ApiPromise) => Promise<T>): Promise<T> {
  const restoreLogs = quietRpcErrorLogs();
  try {
    const api = await connectChain(chainUrl(flags), { ...CONNECT, genesisHash: flags.genesisHash });
    try {
      return await use(api);
    } finally {
      await api.disconnect().catch(() => undefined);
    }
  } finally {
    restoreLogs();
  }
}

/**
 * polkadot.js logs every failed RPC call to the console ("RPC-CORE: … 1010: Invalid Transaction")
 * before returning the same error; the command reports it once, decoded, so those lines go.
 */
function quietRpcErrorLogs(): () => void {
  const original = console.error;
  console.error = (...args: unknown[]) => {
    if (typeof args[1] === 'string' && args[1].trim() === 'RPC-CORE:') return;
    original(...args);
  };
  return () => {
    console.error = original;
  };
}

/** Runs a command's body; failures leave as CliErrors for the program's one error printer. */
export async function runCommand(flags: ReadFlags, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const failure = toCliError(error);
    if (flags.json) process.stdout.write(`${jsonText({ error: errorJson(error, failure) }, 2)}\n`);
    throw failure;
  }
}

export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  // Fields named as typed (NAME, --owner, GATEWAY_ADDRESS) say where the bad value came from.
  if (error instanceof InvalidInputError) return new CliError(/^(--|[A-Z])/.test(error.field) ? `${error.field}: ${error.message}` : error.message, EXIT.usage);
  if (error instanceof ChainConnectionError) {
    const hint = error.problem === 'bad-url' || error.problem === 'wrong-chain' ? '' : ' (or pass --chain URL)';
    return new CliError(`${error.message}${hint}`, error.problem === 'bad-url' ? EXIT.usage : EXIT.unreachable);
  }
  if (error instanceof ChainTxError) return new CliError(chainTxMessage(error), error.kind === 'disconnected' ? EXIT.unreachable : EXIT.failed);
  return new CliError((error as Error)?.message ?? String(error), EXIT.failed);
}

function errorJson(error: unknown, failure: CliError) {
  // A URL's password or API key in the message (an unreachable --chain) is starred out, as on stderr.
  if (!(error instanceof ChainTxError)) return { exitCode: failure.exitCode, message: hideUrlLogins(failure.message) };
  return { exitCode: failure.exitCode, code: error.code, message: chainErrorText(error), chainMessage: error.message, txHash: error.txHash, blockHash: error.blockHash };
}

/** The words for people first, then the chain's code and where to look the transaction up. */
function chainTxMessage(error: ChainTxError): string {
  const where = [error.txHash && `transaction ${error.txHash}`, error.blockHash && `block ${error.blockHash}`].filter(Boolean).join(', ');
  const details = [error.code, error.kind === 'dispatch' ? 'the fee was paid' : undefined, where].filter(Boolean).join('; ');
  return `${chainErrorText(error)}\n  chain error: ${details}`;
}
