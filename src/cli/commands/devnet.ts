// `hcr devnet`: the development chain alone, on ws://127.0.0.1:9944 (and HTTP on the same port).
import { type Command, Option } from 'commander';
import { join } from 'node:path';
import { type RpcLimits, startDevnet, type Devnet } from '../../devnet/node';
import { DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_RESPONSE_BYTES } from '../../devnet/rpc/jsonrpc';
import {
  DEFAULT_MAX_BUFFERED_BYTES_PER_CONNECTION,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION,
  DEFAULT_MAX_WATCHED_KEYS_PER_CONNECTION,
} from '../../devnet/rpc/server';
import { isLoopback, RPC_METHODS_POLICIES, type RpcMethodsPolicy } from '../../devnet/rpc/unsafe';
import { DEFAULTS, dataDirFrom } from '../../config/defaults';
import { CliError, EXIT, parseNonNegativeInt } from '../errors';
import { printLogLine } from '../log-stream';
import { onShutdown } from '../shutdown';
import { describeCommand } from '../command-summaries';

export interface DevnetFlags {
  host: string;
  port: string;
  dataDir?: string;
  blockTime: string;
  finalityLag: string;
  ephemeral?: boolean;
  manualSeal?: boolean;
  rpcMethods: RpcMethodsPolicy;
  rpcMaxConnections: string;
  rpcMaxSubscriptionsPerConnection: string;
  rpcMaxRequestSize: string;
  rpcMaxResponseSize: string;
  rpcMaxWatchedKeysPerConnection: string;
  rpcMaxUnreadPerConnection: string;
  rpcMaxBufferedRequests?: string;
}

const MIB = 1024 * 1024;

/**
 * The RPC endpoint's limits, named as a Substrate node names those it has (--rpc-max-connections,
 * --rpc-max-subscriptions-per-connection, --rpc-max-request-size and --rpc-max-response-size, in
 * MiB as its "megabytes"), with the node's defaults.
 */
function addRpcLimitOptions(command: Command): Command {
  return command
    .option('--rpc-max-connections <n>', 'WebSocket connections served at once; more are refused with HTTP 503', String(DEFAULT_MAX_CONNECTIONS))
    .option('--rpc-max-subscriptions-per-connection <n>', 'subscriptions one WebSocket connection may hold', String(DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION))
    .option('--rpc-max-request-size <MiB>', 'largest request: an HTTP body or a WebSocket message', String(DEFAULT_MAX_REQUEST_BYTES / MIB))
    .option('--rpc-max-response-size <MiB>', 'largest reply, and most that the replies to one batch may add up to', String(DEFAULT_MAX_RESPONSE_BYTES / MIB))
    .option('--rpc-max-watched-keys-per-connection <n>', 'storage keys the state_subscribeStorage subscriptions of one connection may watch in all', String(DEFAULT_MAX_WATCHED_KEYS_PER_CONNECTION))
    .option('--rpc-max-unread-per-connection <MiB>', 'replies a WebSocket client may leave unread before it is disconnected', String(DEFAULT_MAX_BUFFERED_BYTES_PER_CONNECTION / MIB))
    .option('--rpc-max-buffered-requests <MiB>', 'HTTP request bodies held at once, all clients together; more get HTTP 503 (default: 8 × --rpc-max-request-size)');
}

/** A limit of 0 would refuse everything: each takes a whole number from 1 (of `unit` bytes). */
function limit(value: string, flag: string, unit = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || !Number.isSafeInteger(n * unit)) throw new CliError(`${flag} takes a whole number ≥ 1${unit === MIB ? ' (MiB)' : ''}, got "${value}"`, EXIT.usage);
  return n * unit;
}

function rpcLimitsFrom(flags: DevnetFlags): RpcLimits {
  return {
    maxConnections: limit(flags.rpcMaxConnections, '--rpc-max-connections'),
    maxSubscriptionsPerConnection: limit(flags.rpcMaxSubscriptionsPerConnection, '--rpc-max-subscriptions-per-connection'),
    maxRequestBytes: limit(flags.rpcMaxRequestSize, '--rpc-max-request-size', MIB),
    maxResponseBytes: limit(flags.rpcMaxResponseSize, '--rpc-max-response-size', MIB),
    maxWatchedKeysPerConnection: limit(flags.rpcMaxWatchedKeysPerConnection, '--rpc-max-watched-keys-per-connection'),
    maxBufferedBytesPerConnection: limit(flags.rpcMaxUnreadPerConnection, '--rpc-max-unread-per-connection', MIB),
    maxBufferedRequestBytes: flags.rpcMaxBufferedRequests === undefined ? undefined : limit(flags.rpcMaxBufferedRequests, '--rpc-max-buffered-requests', MIB),
  };
}

export function addDevnetOptions(command: Command): Command {
  const withChainOptions = command
    .option('--host <host>', 'address to listen on', DEFAULTS.devnetHost)
    .option('--port <port>', 'JSON-RPC port (WebSocket and HTTP)', String(DEFAULTS.devnetPort))
    .option('--data-dir <dir>', `where the chain is kept (env HCR_DATA_DIR, default ${DEFAULTS.dataDir})`)
    .option('--block-time <ms>', '0: a block as soon as transactions wait; otherwise one block every <ms>', '0')
    .option('--finality-lag <n>', 'how many blocks finality trails the best block', String(DEFAULTS.finalityLag))
    .option('--manual-seal', 'build blocks only when asked through the dev_newBlock RPC')
    .addOption(
      new Option('--rpc-methods <mode>', 'where unsafe RPC methods (dev_newBlock, dev_setHead, state_getPairs, ...) are served: auto: only when --host is a loopback address; safe: nowhere; unsafe: everywhere (anyone who reaches the port can then fork and reorg the chain)')
        .choices([...RPC_METHODS_POLICIES])
        .default('auto'),
    )
    .option('--ephemeral', 'keep the chain in memory only (a new chain every start)');
  return addRpcLimitOptions(withChainOptions);
}

export async function launchDevnet(flags: DevnetFlags, log: (line: string) => void): Promise<Devnet> {
  const dataDir = flags.ephemeral ? undefined : dataDirFrom(flags.dataDir);
  const devnet = await startDevnet({
    host: flags.host,
    port: parseNonNegativeInt(flags.port, '--port'),
    dataDir,
    blockTimeMs: parseNonNegativeInt(flags.blockTime, '--block-time'),
    finalityLag: parseNonNegativeInt(flags.finalityLag, '--finality-lag'),
    manualSeal: flags.manualSeal,
    rpcMethods: flags.rpcMethods,
    rpcLimits: rpcLimitsFrom(flags),
    log,
  });
  const mode = flags.rpcMethods ?? 'auto';
  if (!devnet.server.unsafeAllowed) {
    log(`unsafe RPC methods (dev_newBlock, dev_setHead, ...) are refused (--rpc-methods ${mode}${mode === 'auto' ? ` on ${flags.host}` : ''}); --rpc-methods unsafe serves them`);
  } else if (!isLoopback(devnet.server.address)) {
    log(`warning: unsafe RPC methods (dev_newBlock, dev_setHead, ...) are served to anyone who reaches ${flags.host}:${devnet.server.port} (--rpc-methods unsafe)`);
  }
  return devnet;
}

export function registerDevnet(program: Command): void {
  addDevnetOptions(program.command('devnet').description(describeCommand('devnet'))).action(async (flags: DevnetFlags) => {
    const devnet = await launchDevnet(flags, (line) => printLogLine(`devnet: ${line}`));
    const where = flags.ephemeral ? 'in memory' : join(dataDirFrom(flags.dataDir), 'chain');
    console.log(`dev chain ${devnet.chain.genesisHash} (${where}), best block #${devnet.chain.tree.best.number}`);
    console.log(`chain RPC: ${devnet.wsUrl} (HTTP ${devnet.httpUrl})`);
    onShutdown(() => devnet.close());
  });
}
