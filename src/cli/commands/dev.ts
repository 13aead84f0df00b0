// `hcr dev`: the whole system on embedded defaults, in one process tree, printing each address.
import type { Command } from 'commander';
import { addDevnetOptions, type DevnetFlags, launchDevnet } from './devnet';
import { onShutdown } from '../shutdown';

export function registerDev(program: Command): void {
  addDevnetOptions(program.command('dev').description('run everything on embedded defaults: dev chain (and the parts added by later releases)')).action(async (flags: DevnetFlags) => {
    const devnet = await launchDevnet(flags, (line) => console.error(`devnet: ${line}`));
    onShutdown(() => devnet.close());
    console.log('hcr dev is running:');
    console.log(`  chain RPC   ${devnet.wsUrl}   (HTTP ${devnet.httpUrl}; dev accounts //Alice … //Ferdie, //Gateway)`);
    console.log('Ctrl-C stops everything.');
  });
}
