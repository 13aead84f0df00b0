// The gateway as the benchmarks run it, in a process of its own: `gateway-server.ts <ws url>
// <data dir>` prints {"url","pid"} once it listens and stops on SIGTERM. Auth is off (both
// registries are measured anonymously) and only warnings are logged, as the reference registry
// is configured; metrics are kept, as a deployment has them.
import { connectChain, signerFromUri } from '../src/chain';
import { startGateway } from '../src/gateway';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../src/ipfs';
import { createLogger } from '../src/observability/logger';

async function serve(wsUrl: string, dataDir: string): Promise<void> {
  const api = await connectChain(wsUrl);
  const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
  const gateway = await startGateway({
    api,
    blobStore: store,
    dataDir,
    gatewaySigner: await signerFromUri('//Gateway'),
    port: 0,
    auth: { enabled: false },
    logger: createLogger({ service: 'gateway', format: 'json', level: 'warn' }),
  });
  console.log(JSON.stringify({ url: gateway.url, pid: process.pid }));
  const stop = async () => {
    await gateway.close();
    await store.close();
    await api.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
}

serve(process.argv[2], process.argv[3]).catch((error) => {
  console.error(error);
  process.exit(1);
});
