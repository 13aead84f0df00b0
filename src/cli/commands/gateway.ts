// `hcr gateway`: the OCI gateway against external services: CHAIN_RPC, IPFS_API (Kubo) or the
// embedded IPFS store, the index's GraphQL (optional) and GATEWAY_SURI (absent: read-only).
import { type Command, InvalidArgumentError, Option } from 'commander';
import { connectChain, gatewaySigner } from '../../chain';
import { embeddedIpfsDir, openBlobStore } from '../../ipfs';
import { join } from 'node:path';
import { DataDirError, openDataDir } from '../../file-io/data-dir';
import { startGateway, type RunningGateway } from '../../gateway';
import type { GatewayOptions, TrustProxy } from '../../gateway/app';
import { createLogger, LOG_FORMATS, LOG_LEVELS, type LogFormat, type Logger, type LogLevel } from '../../observability/logger';
import { printLogLine, terminalSafeLogStream } from '../log-stream';
import { PUBLIC_URL_FIX, publicUrlOrigin } from '../../gateway/auth/auth-options';
import { ensureWebBuild } from '../../wallet-api';
import type { BlobStore } from '../../ipfs/blob-store';
import type { ApiPromise } from '@polkadot/api';
import { DEFAULTS, dataDirFrom } from '../../config/defaults';
import { optionFromEnv } from '../env-default';
import { genesisHashOption } from '../genesis-hash-option';
import { CliError, EXIT, parseNonNegativeInt } from '../errors';
import { onReload, onShutdown } from '../shutdown';
import { checkDoorFlags, type DoorFlags, doorOptions, launchPluginRegistry } from './artifact-doors';
import { readTlsPair } from '../../gateway/server';
import { checkMetricsAllowEntry, checkPeerUrl, checkSpaceName, parseByteSize, parseTrustProxy, splitList } from '../../config/values';
import type { RateLimit } from '../../limits/rate-limiter';
import { scrub } from '../../observability/redact';
import { describeCommand } from '../command-summaries';
import { CAR_SETTINGS, CarSettingError, type CarSettings, parseCarSettings } from '../../gateway/trustless/car-settings';

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
  /** Structured logs (requests with their ids); absent: only `log`'s lines. */
  logger?: Logger;
  tls?: { certFile: string; keyFile: string };
  trustProxy?: TrustProxy;
  /** Who may read /metrics; absent: DEFAULT_METRICS_ALLOW. */
  metricsAllow?: string[];
  shutdownGraceMs?: number;
  maxIndexLagBlocks?: number;
  /** The HTTP limits, and the artifact doors' publishes per account (`publish.perAccount`), file size (`artifacts.maxFileBytes`) and version size (`artifacts.maxVersionBytes`). */
  limits?: GatewayLaunchLimits;
  metrics?: boolean;
  /** Other gateways' base URLs: what the local store lacks is fetched from them (verified). */
  peers?: string[];
  /** Spaces to keep a live, pinned copy of. */
  mirror?: string[];
  /** The artifact front doors' default space (bare names). */
  defaultSpace?: string;
  /** Disk for verified copies of blobs served (0: none); absent: the gateway's default. */
  blobCacheBytes?: number;
  /** Bytes one uploader may hold in open uploads and unreferenced blobs (0: no quota); absent: the gateway's default. */
  uploadQuotaBytes?: number;
  /** What the trustless gateway's CARs may cost (CARs open at once, blocks per CAR); absent: the defaults. */
  cars?: CarSettings;
}

export type GatewayLaunchLimits = GatewayOptions['limits'] & { readonly publish?: { readonly perAccount?: RateLimit }; readonly artifacts?: { readonly maxFileBytes?: number; readonly maxVersionBytes?: number } };

export async function launchGateway(launch: GatewayLaunch): Promise<RunningGateway> {
  const { publish, artifacts, ...limits } = launch.limits ?? {};
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
    log: launch.logger ? undefined : launch.log,
    logger: launch.logger,
    tls: launch.tls,
    trustProxy: launch.trustProxy,
    metricsAllow: launch.metricsAllow,
    shutdownGraceMs: launch.shutdownGraceMs,
    maxIndexLagBlocks: launch.maxIndexLagBlocks,
    blobCacheBytes: launch.blobCacheBytes,
    uploadQuotaBytes: launch.uploadQuotaBytes,
    trustless: launch.cars,
    limits,
    metrics: launch.metrics === false ? false : undefined,
    peers: launch.peers,
    mirror: launch.mirror,
    artifacts: { defaultSpace: launch.defaultSpace, publishLimit: publish?.perAccount, maxFileBytes: artifacts?.maxFileBytes, maxVersionBytes: artifacts?.maxVersionBytes },
  });
  if (!launch.publicUrl && !launch.publicHost && /^(0\.0\.0\.0|::|\[::\])$/.test(launch.host)) {
    const port = new URL(gateway.url).port;
    launch.log(
      `gateway: listening on every address without --public-url, so auth challenges send clients to ${gateway.gateway.context.access.auth.publicUrl}/token and login tokens must name ${gateway.service}: set --public-url (or GATEWAY_PUBLIC_URL) to the URL clients use, for example http://registry.example.com:${port}`,
    );
  }
  return gateway;
}

/**
 * The data dir, its `gateway/` folder and (when the gateway keeps it) the embedded IPFS store,
 * created closed to others when missing, and refused before anything starts when others may write
 * them or the gateway's user cannot (file-io/data-dir.ts says why). `dirMode`: the data dir's own
 * mode when created (hcr dev's Postgres, run as its own user under root, must enter it).
 */
export function openGatewayDataDir(dataDir: string, embeddedStore: boolean, dirMode = 0o700): void {
  try {
    openDataDir(dataDir, [join(dataDir, 'gateway'), ...(embeddedStore ? [embeddedIpfsDir(dataDir)] : [])], dirMode);
  } catch (error) {
    if (error instanceof DataDirError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
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

export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 25;

/** `--peer URL`, repeatable (env GATEWAY_PEERS, comma-separated): gateways to fetch missing content from. */
export function peerOption(): Option {
  return new Option('--peer <url>', 'another gateway (or any IPFS trustless gateway) to fetch recorded content from when this one lacks it, every block checked against its CID; repeat for more (env GATEWAY_PEERS, comma-separated)')
    .env('GATEWAY_PEERS')
    .argParser(listOf(checkPeerUrl))
    .default([]);
}

/** `--mirror SPACE`, repeatable (env GATEWAY_MIRROR, comma-separated). */
function mirrorOption(): Option {
  return new Option('--mirror <space>', 'keep a live, pinned copy of everything this space\'s tags reference (repeat for more spaces; env GATEWAY_MIRROR, comma-separated); status at GET /mirror')
    .env('GATEWAY_MIRROR')
    .argParser(listOf(checkSpaceName))
    .default([]);
}

/** A repeatable option's parser: comma-separated values, each checked, added to those before. */
function listOf(check: (item: string) => string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => {
    const items = splitList(value);
    for (const item of items) {
      try {
        check(item);
      } catch (error) {
        throw new InvalidArgumentError(`${(error as Error).message}.`);
      }
    }
    return [...(previous ?? []), ...items];
  };
}

interface GatewayFlags extends DoorFlags {
  chain: string;
  genesisHash?: string;
  ipfsApi?: string;
  graphql?: string;
  host: string;
  port: string;
  dataDir?: string;
  publicHost?: string;
  publicUrl?: string;
  devKey?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  trustProxy: string;
  metricsAllow?: string[];
  shutdownGrace: string;
  maxIndexLag: string;
  blobCache: string;
  uploadQuota: string;
  carsPerClient: string;
  carsTotal: string;
  carMaxBlocks: string;
  logFormat: string;
  logLevel: string;
  peer: string[];
  mirror?: string[];
  /** Only from the configuration file: it has no flag. */
  limits?: GatewayLaunchLimits;
}

export function logFormatOption(): Option {
  return new Option('--log-format <format>', 'json: one JSON object a line; text: readable lines; auto: text on a terminal, else JSON').env('HCR_LOG_FORMAT').choices([...LOG_FORMATS]).default('auto');
}

export function logLevelOption(): Option {
  return new Option('--log-level <level>', 'the least severe lines written').env('HCR_LOG_LEVEL').choices([...LOG_LEVELS]).default('info');
}

/** The TLS pair, read and checked to load together, so a wrong path fails before anything starts. */
function tlsFrom(flags: GatewayFlags): { certFile: string; keyFile: string } | undefined {
  // Set but empty (an environment variable filled from a secret that is missing) is a mistake,
  // not a wish for plain HTTP: the gateway would otherwise serve without TLS and say nothing.
  if (flags.tlsCert === '') throw new CliError('--tls-cert (GATEWAY_TLS_CERT, gateway.tls.cert) is set but empty: give the PEM certificate\'s path, or unset it to serve plain HTTP', EXIT.usage);
  if (flags.tlsKey === '') throw new CliError('--tls-key (GATEWAY_TLS_KEY, gateway.tls.key) is set but empty: give the PEM private key\'s path, or unset it to serve plain HTTP', EXIT.usage);
  if (!flags.tlsCert && !flags.tlsKey) return undefined;
  if (!flags.tlsCert || !flags.tlsKey) throw new CliError(`--tls-cert and --tls-key go together: give ${flags.tlsCert ? '--tls-key (the certificate\'s private key)' : '--tls-cert (the PEM certificate)'} too`, EXIT.usage);
  try {
    readTlsPair(flags.tlsCert, flags.tlsKey);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage);
  }
  return { certFile: flags.tlsCert, keyFile: flags.tlsKey };
}

function blobCacheFrom(value: string): number {
  try {
    return parseByteSize(value);
  } catch (error) {
    throw new CliError(`--blob-cache (GATEWAY_BLOB_CACHE, gateway.blobCache): ${(error as Error).message}`, EXIT.usage);
  }
}

function uploadQuotaFrom(value: string): number {
  try {
    return parseByteSize(value);
  } catch (error) {
    throw new CliError(`--upload-quota (GATEWAY_UPLOAD_QUOTA, gateway.uploadQuota): ${(error as Error).message}`, EXIT.usage);
  }
}

function carsFrom(flags: GatewayFlags): CarSettings {
  try {
    return parseCarSettings({ perClient: flags.carsPerClient, total: flags.carsTotal, maxBlocks: flags.carMaxBlocks });
  } catch (error) {
    if (error instanceof CarSettingError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

function trustProxyFrom(value: string): TrustProxy {
  try {
    return parseTrustProxy(value);
  } catch (error) {
    throw new CliError(`--trust-proxy (GATEWAY_TRUST_PROXY, gateway.trustProxy): ${(error as Error).message}`, EXIT.usage);
  }
}

/** The options `hcr gateway` and `hcr mirror` share. */
function addGatewayOptions(command: Command): Command {
  return command
    .addOption(optionFromEnv('--chain <url>', 'chain RPC (env CHAIN_RPC)', { variable: 'CHAIN_RPC', fallback: `ws://${DEFAULTS.devnetHost}:${DEFAULTS.devnetPort}` }))
    .addOption(genesisHashOption())
    .addOption(optionFromEnv('--ipfs-api <url>', 'Kubo RPC API, e.g. http://127.0.0.1:5001 (env IPFS_API); absent: the embedded store in the data dir', { variable: 'IPFS_API' }))
    .addOption(optionFromEnv('--graphql <url>', 'the index\'s GraphQL endpoint (env GRAPHQL_URL); absent: chain storage only', { variable: 'GRAPHQL_URL' }))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port', String(DEFAULTS.gatewayPort))
    .option('--data-dir <dir>', `uploads and the gateway's state (env HCR_DATA_DIR, default ${DEFAULTS.dataDir})`)
    .option('--public-host <host[:port]>', 'the domain clients use to reach this gateway (login tokens name it)')
    .addOption(publicUrlOption())
    .option('--dev-key', 'sign with the dev chain\'s //Gateway key when GATEWAY_SURI is not set')
    .addOption(new Option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with its chain); reloaded when the file changes or on SIGHUP').env('GATEWAY_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'the PEM private key of --tls-cert').env('GATEWAY_TLS_KEY'))
    .addOption(new Option('--trust-proxy <list>', 'which peers\' X-Forwarded-For/-Proto/-Host to believe: loopback, addresses or CIDRs separated by commas, a hop count, true or false').env('GATEWAY_TRUST_PROXY').default('loopback'))
    .addOption(new Option('--metrics-allow <list>', 'who may read /metrics: any, loopback, linklocal, uniquelocal, addresses or CIDRs separated by commas (repeatable; default loopback,linklocal,uniquelocal)').env('GATEWAY_METRICS_ALLOW').argParser(listOf(checkMetricsAllowEntry)))
    .addOption(new Option('--shutdown-grace <seconds>', 'on SIGTERM, how long requests in flight get to finish before they are cut').env('GATEWAY_SHUTDOWN_GRACE').default(String(DEFAULT_SHUTDOWN_GRACE_SECONDS)))
    .addOption(new Option('--max-index-lag <blocks>', '/readyz fails when the index is more blocks than this behind the chain').env('GATEWAY_MAX_INDEX_LAG').default('20'))
    .addOption(new Option('--blob-cache <size>', 'disk kept for verified copies of the blobs served, so that later pulls read one plain file: 20GiB, 500MB, or 0 for none; the least recently used go first').env('GATEWAY_BLOB_CACHE').default('8GiB'))
    .addOption(new Option('--upload-quota <size>', 'the most one uploader (an account; an anonymous client) may hold here in open uploads and in pushed blobs no recorded manifest references yet: 200GiB, 500MB, or 0 for no quota').env('GATEWAY_UPLOAD_QUOTA').default('64GiB'))
    .addOption(new Option(`${CAR_SETTINGS.perClient.flag} <n>`, 'CAR answers of the trustless gateway (/ipfs/) one client (an IPv6 /64) has open at once; past it a CAR is refused with 429').env(CAR_SETTINGS.perClient.env).default(String(CAR_SETTINGS.perClient.default)))
    .addOption(new Option(`${CAR_SETTINGS.total.flag} <n>`, 'CAR answers of the trustless gateway open at once for all clients together; past it a CAR is refused with 429').env(CAR_SETTINGS.total.env).default(String(CAR_SETTINGS.total.default)))
    .addOption(new Option(`${CAR_SETTINGS.maxBlocks.flag} <n>`, 'distinct blocks one CAR answer of the trustless gateway meets at most; a larger DAG has its CAR cut short').env(CAR_SETTINGS.maxBlocks.env).default(String(CAR_SETTINGS.maxBlocks.default)))
    .addOption(logFormatOption())
    .addOption(logLevelOption())
    .addOption(peerOption())
    .addOption(doorOptions()[0])
    .addOption(doorOptions()[1])
    .addOption(doorOptions()[2]);
}

export function registerGateway(program: Command): void {
  addGatewayOptions(program.command('gateway'))
    .description(describeCommand('gateway'))
    .addOption(mirrorOption())
    .action((flags: GatewayFlags) => runGateway(flags));
  addGatewayOptions(program.command('mirror'))
    .argument('<space...>', 'the spaces to mirror', (value: string, previous: string[] | undefined) => {
      // Checked as --mirror's values are, before the chain is asked: an image (acme/web) given as a space would mirror nothing.
      try {
        return [...(previous ?? []), checkSpaceName(value)];
      } catch (error) {
        throw new InvalidArgumentError(`${(error as Error).message}; hcr mirror takes spaces (acme) and mirrors every image of each.`);
      }
    })
    .description(describeCommand('mirror'))
    .action((spaces: string[], flags: GatewayFlags) => runGateway({ ...flags, mirror: [...(flags.mirror ?? []), ...spaces] }));
}

async function runGateway(flags: GatewayFlags): Promise<void> {
  // Every value is checked before the chain is asked: a typo fails at once, with its fix.
  const checked = {
    port: parseNonNegativeInt(flags.port, '--port'),
    tls: tlsFrom(flags),
    trustProxy: trustProxyFrom(flags.trustProxy),
    shutdownGraceMs: parseNonNegativeInt(flags.shutdownGrace, '--shutdown-grace') * 1000,
    maxIndexLagBlocks: parseNonNegativeInt(flags.maxIndexLag, '--max-index-lag'),
    blobCacheBytes: blobCacheFrom(flags.blobCache),
    uploadQuotaBytes: uploadQuotaFrom(flags.uploadQuota),
    cars: carsFrom(flags),
  };
  checkDoorFlags(flags);
  const dataDir = dataDirFrom(flags.dataDir);
  openGatewayDataDir(dataDir, !(flags.ipfsApi ?? process.env.IPFS_API ?? '').trim());
  // Log lines quote clients' request paths and names from the chain: escaped for the terminal (log-stream.ts).
  const logger = createLogger({ service: 'gateway', format: flags.logFormat as LogFormat, level: flags.logLevel as LogLevel, stream: terminalSafeLogStream(flags.logFormat) });
  const api = await connectChain(flags.chain, {
    genesisHash: flags.genesisHash,
    onChainChange: (refused) => (refused ? logger.error(`chain: ${refused.message}`) : logger.info(`chain: ${flags.chain} serves this gateway's chain again; reading from it again`)),
  });
  const blobStore = await openBlobStore({ dataDir, ipfsApi: flags.ipfsApi });
  const gateway = await launchGateway({
    ...checked,
    api,
    blobStore,
    dataDir,
    graphqlUrl: flags.graphql,
    host: flags.host,
    metricsAllow: flags.metricsAllow,
    signerUri: process.env.GATEWAY_SURI,
    allowDevKey: flags.devKey === true,
    publicHost: flags.publicHost,
    publicUrl: flags.publicUrl,
    log: printLogLine,
    logger,
    limits: flags.limits,
    peers: flags.peer,
    mirror: flags.mirror,
    defaultSpace: flags.defaultSpace,
  });
  const plugins = await launchPluginRegistry(gateway, flags, flags.host, printLogLine).catch(async (error: Error) => {
    await gateway.close();
    throw error;
  });
  if (flags.tlsCert) onReload(() => gateway.reloadTls());
  onShutdown(async () => {
    await plugins?.close();
    await gateway.close();
    await blobStore.close();
    await api.disconnect();
  });
  const role = gateway.gateway.context.recorder ? 'pushes recorded as the owners\' proxy' : 'read-only replica: no GATEWAY_SURI';
  console.log(`gateway: ${gateway.url}${flags.publicUrl ? `, reached at ${flags.publicUrl}` : ''} (${role})`);
  if (plugins) console.log(`plugins: ${plugins.address} (gRPC pb.PluginRegistry, with server reflection)`);
  if (flags.peer.length) console.log(`peers: ${flags.peer.map(scrub).join(', ')}`);
  if (flags.mirror?.length) console.log(`mirror: ${flags.mirror.join(', ')}, status at ${gateway.url}/mirror`);
}
