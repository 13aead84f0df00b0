// `hcr dev`: the whole system on embedded defaults, in one process tree, printing each address:
// the dev chain, embedded Postgres with the processor indexing the chain, GraphQL, the embedded
// IPFS store (with its Kubo RPC subset) and the gateway.
import type { Command } from 'commander';
import { connectChain } from '../../chain';
import { startContentIndexer, startIndexer, superviseChild } from '../../indexer';
import { startEmbeddedIpfs } from '../../ipfs';
import { DEFAULTS, dataDirFrom } from '../../config/defaults';
import { addDevnetOptions, type DevnetFlags, launchDevnet } from './devnet';
import { type GatewayLaunchLimits, launchGateway, openGatewayDataDir, publicUrlOption } from './gateway';
import { checkDoorFlags, type DoorFlags, doorOptions, launchPluginRegistry } from './artifact-doors';
import { checkContentIndexEnv } from './indexer';
import { parseNonNegativeInt } from '../errors';
import { printLogLine } from '../log-stream';
import { onShutdown } from '../shutdown';
import { describeCommand } from '../command-summaries';

interface DevFlags extends DevnetFlags, DoorFlags {
  graphqlPort: string;
  gatewayPort: string;
  ipfsPort: string;
  processorMetricsPort: string;
  publicUrl?: string;
  verbose?: boolean;
  /** Only from the configuration file (gateway.limits…): it has no flag. */
  limits?: GatewayLaunchLimits;
}

export function registerDev(program: Command): void {
  addDevnetOptions(program.command('dev').description(describeCommand('dev')))
    .option('--graphql-port <port>', 'GraphQL port', String(DEFAULTS.graphqlPort))
    .option('--gateway-port <port>', 'gateway port (OCI API, /token)', String(DEFAULTS.gatewayPort))
    .option('--ipfs-port <port>', 'embedded IPFS Kubo RPC port', String(DEFAULTS.ipfsApiPort))
    .option('--processor-metrics-port <port>', 'the processor\'s Prometheus metrics port (0: a free one)', String(DEFAULTS.processorMetricsPort))
    .addOption(publicUrlOption())
    .addOption(doorOptions()[0])
    .addOption(doorOptions()[1])
    .addOption(doorOptions()[2])
    .option('--verbose', 'print the processor\'s, GraphQL server\'s and gateway\'s own logs')
    .action(async (flags: DevFlags) => {
      checkDoorFlags(flags);
      checkContentIndexEnv();
      // Service logs quote names from the chain and clients' requests: escaped for the terminal.
      const log = printLogLine;
      const quiet = flags.verbose ? log : undefined;
      // A fresh chain (--ephemeral) needs a fresh index and store beside it.
      const dataDir = flags.ephemeral ? `${dataDirFrom(flags.dataDir)}/ephemeral-${process.pid}` : dataDirFrom(flags.dataDir);
      // Checked before anything starts: the gateway trusts what it finds there (gateway.ts). The
      // data dir itself stays enterable: embedded Postgres runs as its own user under root.
      openGatewayDataDir(dataDir, true, 0o755);
      const devnet = await launchDevnet(flags, (line) => log(`devnet: ${line}`));
      onShutdown(() => devnet.close());
      console.error('starting Postgres, the processor, GraphQL, IPFS and the gateway…');
      const indexer = await startIndexer({
        chainRpc: devnet.wsUrl,
        dataDir,
        dbUrl: process.env.DB_URL,
        graphqlPort: parseNonNegativeInt(flags.graphqlPort, '--graphql-port'),
        processorMetricsPort: parseNonNegativeInt(flags.processorMetricsPort, '--processor-metrics-port'),
        log: quiet,
        notice: log,
      });
      onShutdown(() => indexer.stop());
      const ipfs = await startEmbeddedIpfs({ dataDir, host: flags.host, port: parseNonNegativeInt(flags.ipfsPort, '--ipfs-port') });
      onShutdown(() => ipfs.close());
      // Manifests' contents (labels, sizes, platforms) are read from this IPFS into the index.
      const content = superviseChild('content indexer', () => startContentIndexer({ dbUrl: indexer.dbUrl, ipfsApi: ipfs.apiUrl, log: quiet }), { log });
      onShutdown(() => content.stop());
      const api = await connectChain(devnet.wsUrl);
      onShutdown(() => api.disconnect());
      const gateway = await launchGateway({
        api,
        blobStore: ipfs.store,
        dataDir,
        graphqlUrl: indexer.graphqlUrl,
        host: flags.host,
        port: parseNonNegativeInt(flags.gatewayPort, '--gateway-port'),
        signerUri: process.env.GATEWAY_SURI,
        allowDevKey: true,
        publicUrl: flags.publicUrl,
        log: quiet ?? (() => undefined),
        limits: flags.limits,
        defaultSpace: flags.defaultSpace,
      });
      onShutdown(() => gateway.close());
      const plugins = await launchPluginRegistry(gateway, flags, flags.host, log);
      if (plugins) onShutdown(() => plugins.close());
      // The domain docker and login tokens name: the listen address, or the public URL's host.
      const registry = gateway.service;
      console.log('hcr dev is running:');
      console.log(`  chain RPC   ${devnet.wsUrl}   (HTTP ${devnet.httpUrl}; dev accounts //Alice … //Ferdie, //Gateway)`);
      console.log(`  GraphQL     ${indexer.graphqlUrl}   (open it in a browser for the console)`);
      console.log(`  Postgres    ${indexer.dbUrl.replace(/:[^:@/]*@/, ':***@')}`);
      console.log(`  IPFS API    ${ipfs.apiUrl}`);
      console.log(`  gateway     ${gateway.url}${flags.publicUrl ? ` (reached at ${flags.publicUrl})` : ''}   (docker login ${registry} with a token from \`hcr login ${registry} --suri //Alice\`)`);
      if (plugins) console.log(`  plugins     ${plugins.address}   (gRPC pb.PluginRegistry from src/gateway/doors/plugins/spacecore.proto, with server reflection)`);
      console.log(`  artifacts   ${gateway.url}/firmware   ${gateway.url}/api/packages   (default space: ${flags.defaultSpace ?? 'none, names are <space>/<name>'}; API tokens: hcr token create)`);
      console.log(`  web page    ${gateway.url}/   (connect a polkadot.js wallet; its API: ${gateway.url}/api/openapi.json)`);
      const graphqlBase = indexer.graphqlUrl.replace(/\/graphql$/, '');
      console.log(`  metrics     ${gateway.url}/metrics   ${graphqlBase}/metrics   ${indexer.processorMetricsUrl ?? '(the processor did not say where its metrics are)'}`);
      console.log(`  health      ${gateway.url}/readyz   ${graphqlBase}/readyz   (and /healthz on both)`);
      console.log('Ctrl-C stops everything.');
    });
}
