// `hcr gateway`: the OCI gateway against external services: CHAIN_RPC, IPFS_API (Kubo) or the
// embedded IPFS store, the index's GraphQL (optional) and GATEWAY_SURI (absent: read-only).
import { type Command, InvalidArgumentError, Option } from 'commander';
import { connectChain, gatewaySigner } from '../../chain';
import { openBlobStore } from '../../ipfs';
import { startGateway, type RunningGateway } from '../../gateway';
import { PUBLIC_URL_FIX, publicUrlOrigin } from '../../gateway/auth/auth-options';
import { ensureWebBuild } from '../../wallet-api';
import type { BlobStore } from '../../ipfs/blob-store';
import type { ApiPromise } from '@polkadot/api';
import { DEFAULTS, dataDirFrom } from '../../config/defaults';
import { parseNonNegativeInt } from '../errors';
import { onShutdown } from '../shutdown';

export interface GatewayLaunch {
  api: ApiPromise;
  blobStore: BlobStore;
  dataDir: string;
  graphqlUrl?: string;
  host: string;
  port: number;
  /** The key owners grant their proxy to; undefined runs a read-only replica. */
  signerUri?: string;
  allowDevKey: boolean;
  /** The domain login tokens must name, when the gateway is reached under another name. */
  publicHost?: string;
  /** Where clients reach the gateway (scheme://host[:port]); its host is the login domain unless publicHost is given. */
  publicUrl?: string;
  log: (line: string) => void;
}

export async function launchGateway(launch: GatewayLaunch): Promise<RunningGateway> {
  // An empty GATEWAY_SURI (as compose passes it when unset) means no key: a read-only replica.
  const uri = launch.signerUri || undefined;
  const signer = uri !== undefined || launch.allowDevKey ? await gatewaySigner({ uri, env: {}, allowDevKey: launch.allowDevKey }) : undefined;
  // The wallet page is served by a gateway with a key (it grants that key its proxy).
  const webRoot = signer ? await ensureWebBuild() : undefined;
  const gateway = await startGateway({
    webRoot,
    api: launch.api,
    blobStore: launch.blobStore,
    dataDir: launch.dataDir,
    gatewaySigner: signer,
    index: launch.graphqlUrl,
    host: launch.host,
    port: launch.port,
    publicUrl: launch.publicUrl,
    auth: launch.publicHost || launch.publicUrl ? { service: launch.publicHost || new URL(launch.publicUrl!).host } : undefined,
    log: launch.log,
  });
  if (!launch.publicUrl && !launch.publicHost && /^(0\.0\.0\.0|::|\[::\])$/.test(launch.host)) {
    const port = new URL(gateway.url).port;
    launch.log(
      `gateway: listening on every address without --public-url, so auth challenges send clients to ${gateway.gateway.context.access.auth.publicUrl}/token and login tokens must name ${gateway.service}: set --public-url (or GATEWAY_PUBLIC_URL) to the URL clients use, for example http://registry.example.com:${port}`,
    );
  }
  return gateway;
}

/** `--public-url` (env GATEWAY_PUBLIC_URL), for `hcr gateway` and `hcr dev`; checked as it is parsed. */
export function publicUrlOption(): Option {
  return new Option('--public-url <url>', 'the URL clients reach this gateway at, scheme://host[:port] (env GATEWAY_PUBLIC_URL); auth challenges send them to its /token, and its host is what login tokens name unless --public-host is given. Default http://<listen address>')
    .env('GATEWAY_PUBLIC_URL')
    .argParser((value: string) => {
      try {
        return publicUrlOrigin(value);
      } catch (error) {
        throw new InvalidArgumentError(`It is ${(error as Error).message}: ${PUBLIC_URL_FIX}.`);
      }
    });
}

export function registerGateway(program: Command): void {
  program
    .command('gateway')
    .description('serve the OCI distribution API (docker/podman/skopeo pull and push) over the chain and IPFS')
    .option('--chain <url>', 'chain RPC (env CHAIN_RPC)', process.env.CHAIN_RPC ?? `ws://${DEFAULTS.devnetHost}:${DEFAULTS.devnetPort}`)
    .option('--ipfs-api <url>', 'Kubo RPC API, e.g. http://127.0.0.1:5001 (env IPFS_API); absent: the embedded store in the data dir', process.env.IPFS_API)
    .option('--graphql <url>', 'the index\'s GraphQL endpoint (env GRAPHQL_URL); absent: chain storage only', process.env.GRAPHQL_URL)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port', String(DEFAULTS.gatewayPort))
    .option('--data-dir <dir>', `uploads and the gateway's state (env HCR_DATA_DIR, default ${DEFAULTS.dataDir})`)
    .option('--public-host <host[:port]>', 'the domain clients use to reach this gateway (login tokens name it)')
    .addOption(publicUrlOption())
    .option('--dev-key', 'sign with the dev chain\'s //Gateway key when GATEWAY_SURI is not set')
    .action(async (flags: { chain: string; ipfsApi?: string; graphql?: string; host: string; port: string; dataDir?: string; publicHost?: string; publicUrl?: string; devKey?: boolean }) => {
      const dataDir = dataDirFrom(flags.dataDir);
      const api = await connectChain(flags.chain);
      const blobStore = await openBlobStore({ dataDir, ipfsApi: flags.ipfsApi });
      const gateway = await launchGateway({
        api,
        blobStore,
        dataDir,
        graphqlUrl: flags.graphql,
        host: flags.host,
        port: parseNonNegativeInt(flags.port, '--port'),
        signerUri: process.env.GATEWAY_SURI,
        allowDevKey: flags.devKey === true,
        publicHost: flags.publicHost,
        publicUrl: flags.publicUrl,
        log: (line) => console.error(line),
      });
      onShutdown(async () => {
        await gateway.close();
        await blobStore.close();
        await api.disconnect();
      });
      console.log(`gateway: ${gateway.url}${flags.publicUrl ? `, reached at ${flags.publicUrl}` : ''} (${gateway.gateway.context.recorder ? 'pushes recorded as the owners\' proxy' : 'read-only replica: no GATEWAY_SURI'})`);
    });
}
