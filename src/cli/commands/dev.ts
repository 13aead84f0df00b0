// `hcr dev`: the whole system on embedded defaults, in one process tree, printing each address:
// the dev chain, embedded Postgres with the processor indexing the chain, and GraphQL.
import type { Command } from 'commander';
import { startIndexer } from '../../indexer';
import { DEFAULTS, dataDirFrom } from '../../config/defaults';
import { addDevnetOptions, type DevnetFlags, launchDevnet } from './devnet';
import { parseNonNegativeInt } from '../errors';
import { onShutdown } from '../shutdown';

interface DevFlags extends DevnetFlags {
  graphqlPort: string;
  verbose?: boolean;
}

export function registerDev(program: Command): void {
  addDevnetOptions(program.command('dev').description('run everything on embedded defaults: dev chain, Postgres, processor, GraphQL'))
    .option('--graphql-port <port>', 'GraphQL port', String(DEFAULTS.graphqlPort))
    .option('--verbose', 'print the processor\'s and GraphQL server\'s own logs')
    .action(async (flags: DevFlags) => {
      const log = (line: string) => console.error(line);
      const devnet = await launchDevnet(flags, (line) => log(`devnet: ${line}`));
      onShutdown(() => devnet.close());
      console.error('starting Postgres, the processor and GraphQL…');
      const indexer = await startIndexer({
        chainRpc: devnet.wsUrl,
        // The index lives beside the chain: a fresh chain (--ephemeral) needs a fresh index.
        dataDir: flags.ephemeral ? `${dataDirFrom(flags.dataDir)}/ephemeral-${process.pid}` : dataDirFrom(flags.dataDir),
        dbUrl: process.env.DB_URL,
        graphqlPort: parseNonNegativeInt(flags.graphqlPort, '--graphql-port'),
        log: flags.verbose ? log : undefined,
      });
      onShutdown(() => indexer.stop());
      console.log('hcr dev is running:');
      console.log(`  chain RPC   ${devnet.wsUrl}   (HTTP ${devnet.httpUrl}; dev accounts //Alice … //Ferdie, //Gateway)`);
      console.log(`  GraphQL     ${indexer.graphqlUrl}   (open it in a browser for the console)`);
      console.log(`  Postgres    ${indexer.dbUrl.replace(/:[^:@/]*@/, ':***@')}`);
      console.log('Ctrl-C stops everything.');
    });
}
