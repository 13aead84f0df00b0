// Every setting of the configuration file: its key, what it takes, and the flag and environment
// variable that also set it (those win over the file: flag, then env, then file, then default).
// Secrets have no key: a secret URI stays in GATEWAY_SURI / HCR_SURI, or in a file named by
// gateway.suriFile, so the configuration file can be shared and committed.

export type SettingType =
  | { readonly kind: 'port' }
  | { readonly kind: 'count'; readonly min?: number }
  | { readonly kind: 'string' }
  | { readonly kind: 'url'; readonly schemes: readonly string[] }
  | { readonly kind: 'bool' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'trustProxy' }
  | { readonly kind: 'rateLimit' }
  /** Bytes, or a number with a unit: 8GiB, 500MB. */
  | { readonly kind: 'size' }
  /** A block hash: 0x and 64 hex digits (an unquoted one in YAML is taken as written, not as a number). */
  | { readonly kind: 'hash' }
  /** A YAML list, or one text with commas between the items; each item checked. */
  | { readonly kind: 'list'; readonly item: 'peerUrl' | 'spaceName' | 'metricsAllow' };

export interface Setting {
  readonly type: SettingType;
  readonly help: string;
  /** How the setting looks in the file, for messages. */
  readonly example: string;
  /** The commands whose option (commander's attribute name) this sets. */
  readonly flag?: { readonly commands: readonly string[]; readonly option: string };
  readonly env?: string;
}

const port = { kind: 'port' } as const;
const count = { kind: 'count' } as const;
const string = { kind: 'string' } as const;
const bool = { kind: 'bool' } as const;
const rateLimit = { kind: 'rateLimit' } as const;
const ws = { kind: 'url', schemes: ['ws', 'wss', 'http', 'https'] } as const;
const http = { kind: 'url', schemes: ['http', 'https'] } as const;
const SPACE_COMMANDS = ['create', 'add-member', 'grant-gateway', 'revoke-gateway', 'ls', 'show'];
/** `hcr mirror` is a gateway too: it takes every option of `hcr gateway` but --mirror. */
const GATEWAY = ['gateway', 'mirror'];
/** The commands that run the content indexer with a flag for its IPFS API. */
const CONTENT_INDEX = ['processor', 'content-index'];
/** The commands that connect to the chain and can pin it (`hcr login` never connects). */
const CHAIN_CLIENTS = [...GATEWAY, ...SPACE_COMMANDS, 'import', 'processor'];

export const SETTINGS: Readonly<Record<string, Setting>> = {
  dataDir: { type: string, help: 'the data dir: chain, Postgres, IPFS blocks, uploads', example: 'dataDir: /var/lib/hcr', flag: { commands: ['dev', 'devnet', ...GATEWAY, 'import'], option: 'dataDir' }, env: 'HCR_DATA_DIR' },
  'chain.rpc': { type: ws, help: 'the chain node\'s RPC', example: 'rpc: wss://node.example.com', flag: { commands: [...GATEWAY, 'processor', 'login', ...SPACE_COMMANDS, 'import'], option: 'chain' }, env: 'CHAIN_RPC' },
  'chain.genesisHash': { type: { kind: 'hash' }, help: 'the genesis (block #0) hash of the chain to trust: a node that serves another chain is refused before anything is read or signed', example: 'genesisHash: 0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', flag: { commands: CHAIN_CLIENTS, option: 'genesisHash' }, env: 'CHAIN_GENESIS_HASH' },
  'log.format': { type: { kind: 'enum', values: ['json', 'text', 'auto'] }, help: 'log lines as JSON, readable text, or text on a terminal only', example: 'format: json', flag: { commands: GATEWAY, option: 'logFormat' }, env: 'HCR_LOG_FORMAT' },
  'log.level': { type: { kind: 'enum', values: ['debug', 'info', 'warn', 'error'] }, help: 'the least severe lines written', example: 'level: info', flag: { commands: GATEWAY, option: 'logLevel' }, env: 'HCR_LOG_LEVEL' },

  'database.url': { type: { kind: 'url', schemes: ['postgres', 'postgresql'] }, help: 'the index\'s Postgres (or the parts below)', example: 'url: postgres://squid@db:5432/squid', env: 'DB_URL' },
  'database.host': { type: string, help: 'Postgres host', example: 'host: db', env: 'DB_HOST' },
  'database.port': { type: port, help: 'Postgres port', example: 'port: 5432', env: 'DB_PORT' },
  'database.name': { type: string, help: 'Postgres database', example: 'name: squid', env: 'DB_NAME' },
  'database.user': { type: string, help: 'Postgres user', example: 'user: squid', env: 'DB_USER' },

  'devnet.host': { type: string, help: 'the dev chain\'s listen address', example: 'host: 127.0.0.1', flag: { commands: ['devnet', 'dev'], option: 'host' } },
  'devnet.port': { type: port, help: 'the dev chain\'s RPC port', example: 'port: 9944', flag: { commands: ['devnet', 'dev'], option: 'port' } },
  'devnet.blockTime': { type: count, help: 'milliseconds between blocks; 0: a block as soon as transactions wait', example: 'blockTime: 6000', flag: { commands: ['devnet', 'dev'], option: 'blockTime' } },
  'devnet.finalityLag': { type: count, help: 'blocks finality trails the best block', example: 'finalityLag: 1', flag: { commands: ['devnet', 'dev'], option: 'finalityLag' } },
  'devnet.manualSeal': { type: bool, help: 'blocks only on dev_newBlock', example: 'manualSeal: true', flag: { commands: ['devnet', 'dev'], option: 'manualSeal' } },
  'devnet.rpcMethods': { type: { kind: 'enum', values: ['auto', 'safe', 'unsafe'] }, help: 'where unsafe RPC methods (dev_newBlock, dev_setHead, ...) are served: auto: on a loopback host only; safe: nowhere; unsafe: everywhere', example: 'rpcMethods: safe', flag: { commands: ['devnet', 'dev'], option: 'rpcMethods' } },
  'devnet.ephemeral': { type: bool, help: 'keep the chain in memory only', example: 'ephemeral: true', flag: { commands: ['devnet', 'dev'], option: 'ephemeral' } },
  // The RPC endpoint's limits (devnet.ts's flags), for an endpoint run for others from a file.
  'devnet.rpcMaxConnections': { type: count, help: 'WebSocket connections served at once (--rpc-max-connections)', example: 'rpcMaxConnections: 100', flag: { commands: ['devnet', 'dev'], option: 'rpcMaxConnections' } },
  'devnet.rpcMaxSubscriptionsPerConnection': { type: count, help: 'subscriptions one WebSocket connection may hold (--rpc-max-subscriptions-per-connection)', example: 'rpcMaxSubscriptionsPerConnection: 1024', flag: { commands: ['devnet', 'dev'], option: 'rpcMaxSubscriptionsPerConnection' } },
  'devnet.rpcMaxRequestSize': { type: count, help: 'largest request in MiB (--rpc-max-request-size)', example: 'rpcMaxRequestSize: 15', flag: { commands: ['devnet', 'dev'], option: 'rpcMaxRequestSize' } },
  'devnet.rpcMaxResponseSize': { type: count, help: 'largest reply in MiB (--rpc-max-response-size)', example: 'rpcMaxResponseSize: 15', flag: { commands: ['devnet', 'dev'], option: 'rpcMaxResponseSize' } },
  'devnet.rpcMaxWatchedKeysPerConnection': { type: count, help: 'storage keys one connection\'s subscriptions may watch (--rpc-max-watched-keys-per-connection)', example: 'rpcMaxWatchedKeysPerConnection: 16384', flag: { commands: ['devnet', 'dev'], option: 'rpcMaxWatchedKeysPerConnection' } },
  'devnet.rpcMaxUnreadPerConnection': { type: count, help: 'MiB of replies a client may leave unread (--rpc-max-unread-per-connection)', example: 'rpcMaxUnreadPerConnection: 64', flag: { commands: ['devnet', 'dev'], option: 'rpcMaxUnreadPerConnection' } },
  'devnet.rpcMaxBufferedRequests': { type: count, help: 'MiB of HTTP request bodies held at once (--rpc-max-buffered-requests)', example: 'rpcMaxBufferedRequests: 120', flag: { commands: ['devnet', 'dev'], option: 'rpcMaxBufferedRequests' } },

  'dev.graphqlPort': { type: port, help: 'hcr dev\'s GraphQL port', example: 'graphqlPort: 4350', flag: { commands: ['dev'], option: 'graphqlPort' } },
  'dev.gatewayPort': { type: port, help: 'hcr dev\'s gateway port', example: 'gatewayPort: 5000', flag: { commands: ['dev'], option: 'gatewayPort' } },
  'dev.ipfsPort': { type: port, help: 'hcr dev\'s embedded IPFS port', example: 'ipfsPort: 5001', flag: { commands: ['dev'], option: 'ipfsPort' } },
  'dev.processorMetricsPort': { type: port, help: 'hcr dev\'s processor metrics port', example: 'processorMetricsPort: 4351', flag: { commands: ['dev'], option: 'processorMetricsPort' } },
  'dev.verbose': { type: bool, help: 'print every part\'s own logs', example: 'verbose: true', flag: { commands: ['dev'], option: 'verbose' } },

  'gateway.host': { type: string, help: 'the gateway\'s listen address', example: 'host: 0.0.0.0', flag: { commands: GATEWAY, option: 'host' } },
  'gateway.port': { type: port, help: 'the gateway\'s port', example: 'port: 5000', flag: { commands: GATEWAY, option: 'port' } },
  'gateway.ipfsApi': { type: http, help: 'Kubo\'s RPC API; absent: the embedded store', example: 'ipfsApi: http://kubo:5001', flag: { commands: [...GATEWAY, 'import'], option: 'ipfsApi' }, env: 'IPFS_API' },
  'gateway.graphqlUrl': { type: http, help: 'the index\'s GraphQL endpoint', example: 'graphqlUrl: http://graphql:4350/graphql', flag: { commands: GATEWAY, option: 'graphql' }, env: 'GRAPHQL_URL' },
  'gateway.publicUrl': { type: http, help: 'where clients reach the gateway (auth challenges, login tokens)', example: 'publicUrl: https://registry.example.com', flag: { commands: [...GATEWAY, 'dev'], option: 'publicUrl' }, env: 'GATEWAY_PUBLIC_URL' },
  'gateway.publicHost': { type: string, help: 'the domain login tokens name, when not publicUrl\'s host', example: 'publicHost: registry.example.com', flag: { commands: GATEWAY, option: 'publicHost' } },
  'gateway.suriFile': { type: string, help: 'a file holding the gateway key\'s secret URI (GATEWAY_SURI wins)', example: 'suriFile: /run/secrets/gateway-suri' },
  'gateway.devKey': { type: bool, help: 'sign with the dev chain\'s //Gateway key', example: 'devKey: true', flag: { commands: GATEWAY, option: 'devKey' } },
  'gateway.tls.cert': { type: string, help: 'PEM certificate (with chain) for HTTPS', example: 'cert: /etc/hcr/tls.crt', flag: { commands: GATEWAY, option: 'tlsCert' }, env: 'GATEWAY_TLS_CERT' },
  'gateway.tls.key': { type: string, help: 'its PEM private key', example: 'key: /etc/hcr/tls.key', flag: { commands: GATEWAY, option: 'tlsKey' }, env: 'GATEWAY_TLS_KEY' },
  'gateway.trustProxy': { type: { kind: 'trustProxy' }, help: 'which peers\' X-Forwarded-* to believe', example: 'trustProxy: [10.0.0.0/8]', flag: { commands: GATEWAY, option: 'trustProxy' }, env: 'GATEWAY_TRUST_PROXY' },
  'gateway.metricsAllow': { type: { kind: 'list', item: 'metricsAllow' }, help: 'who may read /metrics: any, loopback, linklocal, uniquelocal, addresses or CIDRs (default loopback, linklocal, uniquelocal)', example: 'metricsAllow: [10.0.0.0/8]', flag: { commands: GATEWAY, option: 'metricsAllow' }, env: 'GATEWAY_METRICS_ALLOW' },
  'gateway.shutdownGraceSeconds': { type: count, help: 'how long requests in flight get on SIGTERM', example: 'shutdownGraceSeconds: 25', flag: { commands: GATEWAY, option: 'shutdownGrace' }, env: 'GATEWAY_SHUTDOWN_GRACE' },
  'gateway.maxIndexLagBlocks': { type: count, help: '/readyz fails when the index is further behind', example: 'maxIndexLagBlocks: 20', flag: { commands: GATEWAY, option: 'maxIndexLag' }, env: 'GATEWAY_MAX_INDEX_LAG' },
  'gateway.defaultSpace': { type: string, help: 'the space bare artifact names mean at the firmware, package and plugin doors', example: 'defaultSpace: acme', flag: { commands: [...GATEWAY, 'dev'], option: 'defaultSpace' }, env: 'GATEWAY_DEFAULT_SPACE' },
  'gateway.grpcPort': { type: port, help: 'the plugin registry\'s gRPC port (0: a free one; --grpc-port off serves none)', example: 'grpcPort: 50051', flag: { commands: [...GATEWAY, 'dev'], option: 'grpcPort' }, env: 'GATEWAY_GRPC_PORT' },
  'gateway.pluginDir': { type: string, help: 'where RegisterPlugin may read plugin files named by path', example: 'pluginDir: /srv/plugins', flag: { commands: [...GATEWAY, 'dev'], option: 'pluginDir' }, env: 'GATEWAY_PLUGIN_DIR' },
  'gateway.blobCache': { type: { kind: 'size' }, help: 'disk kept for verified copies of the blobs served, so that later pulls read one plain file (least recently used dropped first; 0: none; default 8GiB)', example: 'blobCache: 20GiB', flag: { commands: GATEWAY, option: 'blobCache' }, env: 'GATEWAY_BLOB_CACHE' },
  'gateway.uploadQuota': { type: { kind: 'size' }, help: 'the most bytes one uploader (an account; an anonymous client) may hold here in open uploads and in pushed blobs no recorded manifest references yet; a chunk past it is refused with 403 DENIED (0: no quota; default 64GiB)', example: 'uploadQuota: 200GiB', flag: { commands: GATEWAY, option: 'uploadQuota' }, env: 'GATEWAY_UPLOAD_QUOTA' },
  'gateway.carsPerClient': { type: { kind: 'count', min: 1 }, help: 'CAR answers of the trustless gateway (/ipfs/) one client (an IPv6 /64) has open at once; past it a CAR is refused with 429 (default 32)', example: 'carsPerClient: 32', flag: { commands: GATEWAY, option: 'carsPerClient' }, env: 'GATEWAY_CARS_PER_CLIENT' },
  'gateway.carsTotal': { type: { kind: 'count', min: 1 }, help: 'CAR answers of the trustless gateway open at once for all clients together, at least carsPerClient; past it a CAR is refused with 429 (default 256)', example: 'carsTotal: 256', flag: { commands: GATEWAY, option: 'carsTotal' }, env: 'GATEWAY_CARS_TOTAL' },
  'gateway.carMaxBlocks': { type: { kind: 'count', min: 1 }, help: 'distinct blocks one CAR answer of the trustless gateway meets at most; a larger DAG has its CAR cut short (default 262144)', example: 'carMaxBlocks: 262144', flag: { commands: GATEWAY, option: 'carMaxBlocks' }, env: 'GATEWAY_CAR_MAX_BLOCKS' },
  'gateway.peers': { type: { kind: 'list', item: 'peerUrl' }, help: 'other gateways to fetch recorded content from when this one lacks it, every block checked against its CID', example: 'peers: [http://10.0.0.2:5000]', flag: { commands: GATEWAY, option: 'peer' }, env: 'GATEWAY_PEERS' },
  'gateway.mirror': { type: { kind: 'list', item: 'spaceName' }, help: 'spaces to keep a live, pinned copy of (hcr mirror names them as arguments)', example: 'mirror: [acme]', flag: { commands: ['gateway'], option: 'mirror' }, env: 'GATEWAY_MIRROR' },
  'gateway.limits.token.perIp': { type: rateLimit, help: '/token requests per client IP', example: 'perIp: { perMinute: 300, burst: 100 }' },
  'gateway.limits.token.perAccount': { type: rateLimit, help: 'tokens issued per account', example: 'perAccount: { perMinute: 120, burst: 60 }' },
  'gateway.limits.uploads.perIp': { type: rateLimit, help: 'upload requests per client IP', example: 'perIp: { perMinute: 6000, burst: 1000 }' },
  'gateway.limits.uploads.perAccount': { type: rateLimit, help: 'upload requests per account', example: 'perAccount: { perMinute: 3000, burst: 500 }' },
  'gateway.limits.uploads.concurrentPerAccount': { type: count, help: 'uploads one account sends at once (0: no bound)', example: 'concurrentPerAccount: 16' },
  'gateway.limits.uploads.maxBlobBytes': { type: { kind: 'count', min: 1 }, help: 'the largest blob one upload may carry over the OCI API, in bytes (default 16 GiB; a bigger one is refused with 413)', example: 'maxBlobBytes: 17179869184', flag: { commands: ['import'], option: 'maxBlobBytes' } },
  'gateway.limits.pushes.perAccount': { type: rateLimit, help: 'manifest pushes per account over the OCI API (each a chain transaction the gateway pays for; anonymous: per IP)', example: 'perAccount: { perMinute: 120, burst: 60 }' },
  'gateway.limits.walletApi.perIp': { type: rateLimit, help: 'wallet API requests per client IP', example: 'perIp: { perMinute: 300, burst: 100 }' },
  'gateway.limits.walletApi.perAccount': { type: rateLimit, help: 'wallet API requests per account named', example: 'perAccount: { perMinute: 120, burst: 60 }' },
  'gateway.limits.walletApi.streamsPerIp': { type: { kind: 'count', min: 1 }, help: 'wallet API progress streams one client IP holds open at once (default 16)', example: 'streamsPerIp: 16' },
  'gateway.limits.walletApi.streams': { type: { kind: 'count', min: 1 }, help: 'wallet API progress streams open at once from everyone (default 1024)', example: 'streams: 1024' },
  'gateway.limits.walletApi.pendingPerSigner': { type: { kind: 'count', min: 1 }, help: 'transactions one signer has in progress through the wallet API at once (default 8)', example: 'pendingPerSigner: 8' },
  'gateway.limits.walletApi.pending': { type: { kind: 'count', min: 1 }, help: 'transactions the wallet API follows at once for everyone (default 1024)', example: 'pending: 1024' },
  'gateway.limits.listings.perIp': { type: rateLimit, help: 'listings and searches at the artifact doors (GET /firmware, GET /api/packages and /api/packages/{name}, GET /api/search, DiscoverPlugins) per client IP', example: 'perIp: { perMinute: 300, burst: 100 }' },
  'gateway.limits.listings.concurrentPerIp': { type: count, help: 'listings and searches at the artifact doors one client IP has in progress at once (0: no bound; default 4)', example: 'concurrentPerIp: 4' },
  'gateway.limits.badLogins.perIp': { type: rateLimit, help: 'login tokens whose signature does not check out, per client IP, at the artifact doors and the API token routes (/token has its own limits); a client past it is refused with 429 before its next token is checked', example: 'perIp: { perMinute: 60, burst: 120 }' },
  'gateway.limits.artifacts.maxFileBytes': { type: { kind: 'count', min: 1 }, help: 'the largest file an artifact version may carry through the firmware, package and plugin doors, in bytes (default 4 GiB)', example: 'maxFileBytes: 1073741824' },
  'gateway.limits.artifacts.maxVersionBytes': { type: { kind: 'count', min: 1 }, help: 'the most bytes all files of one artifact version carry together (a package may have 16; default maxFileBytes)', example: 'maxVersionBytes: 4294967296' },
  'gateway.limits.publish.perAccount': { type: rateLimit, help: 'artifact publishes per account through the firmware, package and plugin doors (each a chain transaction the gateway pays for)', example: 'perAccount: { perMinute: 120, burst: 30 }' },

  'processor.from': { type: count, help: 'first block to index', example: 'from: 0', flag: { commands: ['processor'], option: 'from' }, env: 'FROM_BLOCK' },
  'processor.to': { type: count, help: 'last block to index, then exit', example: 'to: 100000', flag: { commands: ['processor'], option: 'to' }, env: 'TO_BLOCK' },
  'processor.rateLimit': { type: count, help: 'RPC requests per second', example: 'rateLimit: 50', flag: { commands: ['processor'], option: 'rateLimit' }, env: 'RPC_RATE_LIMIT' },
  'processor.maxBatchBlocks': { type: count, help: 'finalized blocks per transaction while catching up', example: 'maxBatchBlocks: 500', flag: { commands: ['processor'], option: 'maxBatchBlocks' }, env: 'PROCESSOR_MAX_BATCH_BLOCKS' },
  'processor.cacheEntries': { type: count, help: 'entities per type kept between batches (0: off)', example: 'cacheEntries: 50000', env: 'PROCESSOR_CACHE_ENTRIES' },
  'processor.stateThread': { type: { kind: 'enum', values: ['main', 'worker'] }, help: 'prepare batches on the main thread or a second one', example: 'stateThread: main', env: 'PROCESSOR_STATE_THREAD' },
  'processor.metricsPort': { type: port, help: 'the processor\'s Prometheus port', example: 'metricsPort: 3000', env: 'PROMETHEUS_PORT' },
  'processor.headPollIntervalMs': { type: count, help: 'how often to ask the chain for new blocks', example: 'headPollIntervalMs: 1000', env: 'HEAD_POLL_INTERVAL_MS' },

  'contentIndex.ipfsApi': { type: http, help: 'the Kubo RPC API the content indexer reads manifests from', example: 'ipfsApi: http://kubo:5001', flag: { commands: CONTENT_INDEX, option: 'ipfsApi' }, env: 'IPFS_API' },
  'contentIndex.concurrency': { type: { kind: 'count', min: 1 }, help: 'manifests read from IPFS at once', example: 'concurrency: 4', env: 'CONTENT_INDEX_CONCURRENCY' },
  'contentIndex.pollMs': { type: count, help: 'pause between passes with nothing to read', example: 'pollMs: 1000', env: 'CONTENT_INDEX_POLL_MS' },
  'contentIndex.retryMinMs': { type: count, help: 'first retry of content that could not be read (doubled each time)', example: 'retryMinMs: 2000', env: 'CONTENT_INDEX_RETRY_MIN_MS' },
  'contentIndex.retryMaxMs': { type: count, help: 'longest pause between retries', example: 'retryMaxMs: 600000', env: 'CONTENT_INDEX_RETRY_MAX_MS' },
  'contentIndex.ipfsRetryMs': { type: count, help: 'how often IPFS is asked again while it does not answer', example: 'ipfsRetryMs: 3000', env: 'CONTENT_INDEX_IPFS_RETRY_MS' },
  'contentIndex.lookupTimeoutMs': { type: count, help: 'how long Kubo may look for a CID it does not hold', example: 'lookupTimeoutMs: 10000', env: 'CONTENT_INDEX_LOOKUP_TIMEOUT_MS' },

  'graphql.port': { type: port, help: 'the GraphQL server\'s port', example: 'port: 4350', flag: { commands: ['graphql'], option: 'port' }, env: 'GQL_PORT' },
  'graphql.responseCache': { type: bool, help: 'the index-versioned response cache', example: 'responseCache: false', env: 'GQL_RESPONSE_CACHE' },
  'graphql.responseCacheMb': { type: count, help: 'the response cache\'s memory bound', example: 'responseCacheMb: 50', env: 'GQL_RESPONSE_CACHE_MB' },
  'graphql.maxIndexLagBlocks': { type: count, help: '/readyz fails when the index is further behind', example: 'maxIndexLagBlocks: 20', env: 'GQL_MAX_INDEX_LAG_BLOCKS' },
  'graphql.maxListNesting': { type: { kind: 'count', min: 1 }, help: 'lists of entities a query may nest (deeper queries are refused before any SQL runs)', example: 'maxListNesting: 3', env: 'GQL_MAX_LIST_NESTING' },
  'graphql.maxListFields': { type: { kind: 'count', min: 1 }, help: 'root fields and lists of entities one query may ask for, each alias and fragment spread counted (more are refused before any SQL runs)', example: 'maxListFields: 20', env: 'GQL_MAX_LIST_FIELDS' },
  'graphql.maxFields': { type: { kind: 'count', min: 1 }, help: 'fields one query may ask for, each alias and fragment spread counted (more are refused before any SQL runs)', example: 'maxFields: 300', env: 'GQL_MAX_FIELDS' },
  'graphql.maxResponseRows': { type: { kind: 'count', min: 1 }, help: 'rows one answer may hold (each entity, nested object and alias, summed over its root fields); past it the request is refused', example: 'maxResponseRows: 20000', env: 'GQL_MAX_RESPONSE_ROWS' },
  'graphql.maxContentBytes': { type: { kind: 'count', min: 1 }, help: 'bytes of manifests one answer\'s artifact versions and tag contents may be read from (their labels, files and platforms are as large as the manifest); past it the request is refused', example: 'maxContentBytes: 16777216', env: 'GQL_MAX_CONTENT_BYTES' },
  'graphql.maxConcurrentPerClient': { type: count, help: 'requests one client address may have answered at once (0: no bound; hcr dev and the embedded stack default to 0, their client being the gateway)', example: 'maxConcurrentPerClient: 8', env: 'GQL_MAX_CONCURRENT_PER_CLIENT' },
  'graphql.trustProxy': { type: { kind: 'trustProxy' }, help: 'which reverse proxies\' X-Forwarded-For names the client (default loopback)', example: 'trustProxy: [10.0.0.0/8]', env: 'GQL_TRUST_PROXY' },
  'graphql.metricsAllow': { type: { kind: 'list', item: 'metricsAllow' }, help: 'who may read GraphQL\'s /metrics: any, loopback, linklocal, uniquelocal, addresses or CIDRs (default loopback, linklocal, uniquelocal)', example: 'metricsAllow: [10.0.0.0/8]', env: 'GQL_METRICS_ALLOW' },
  'graphql.sqlStatementTimeoutMs': { type: { kind: 'count', min: 1 }, help: 'the longest one query\'s SQL may run, in ms', example: 'sqlStatementTimeoutMs: 20000', env: 'GQL_SQL_STATEMENT_TIMEOUT_MS' },

  'login.gateway': { type: string, help: 'the gateway hcr login names by default', example: 'gateway: registry.example.com', env: 'HCR_GATEWAY' },
  'login.ttl': { type: string, help: 'how long login tokens last', example: 'ttl: 12h', flag: { commands: ['login'], option: 'ttl' } },
  'keys.keyring': { type: string, help: 'a polkadot.js JSON keystore to sign with (its password stays in HCR_KEYRING_PASSWORD)', example: 'keyring: ~/alice.json', flag: { commands: ['login', ...SPACE_COMMANDS], option: 'keyring' } },
};

/** Keys people write that hold secrets, with where the secret goes instead. */
export const SECRET_KEYS: Readonly<Record<string, string>> = {
  'gateway.suri': 'the file\'s readers would all hold the gateway\'s key: put the secret URI in a file of its own and name it with gateway.suriFile, or set GATEWAY_SURI',
  'keys.suri': 'keep signing keys out of shared files: set HCR_SURI, or name a keystore with keys.keyring',
  'database.password': 'keep the database password out of shared files: set DB_PASS, or give it in DB_URL',
  'database.pass': 'keep the database password out of shared files: set DB_PASS, or give it in DB_URL',
  'keys.password': 'keep the keystore password out of shared files: set HCR_KEYRING_PASSWORD',
};
