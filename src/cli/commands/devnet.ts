// `hcr devnet`: the development chain alone, on ws://127.0.0.1:9944 (and HTTP on the same port).
import { type Command, Option } from 'commander';
import { join } from 'node:path';
import { startDevnet, type Devnet } from '../../devnet/node';
import { isLoopback, RPC_METHODS_POLICIES, type RpcMethodsPolicy } from '../../devnet/rpc/unsafe';
import { DEFAULTS, dataDirFrom } from '../../config/defaults';
import { parseNonNegativeInt } from '../errors';
import { printLogLine } from '../log-stream';
import { onShutdown } from '../shutdown';

export interface DevnetFlags {
  host: string;
  port: string;
  dataDir?: string;
  blockTime: string;
  finalityLag: string;
  ephemeral?: boolean;
  manualSeal?: boolean;
  rpcMethods: RpcMethodsPolicy;
}

export function addDevnetOptions(command: Command): Command {
  return command
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
  addDevnetOptions(program.command('devnet').description('run the development chain (a Substrate-compatible Hippius chain with ContainerRegistry)')).action(async (flags: DevnetFlags) => {
    const devnet = await launchDevnet(flags, (line) => printLogLine(`devnet: ${line}`));
    const where = flags.ephemeral ? 'in memory' : join(dataDirFrom(flags.dataDir), 'chain');
    console.log(`dev chain ${devnet.chain.genesisHash} (${where}), best block #${devnet.chain.tree.best.number}`);
    console.log(`chain RPC: ${devnet.wsUrl} (HTTP ${devnet.httpUrl})`);
    onShutdown(() => devnet.close());
  });
}
