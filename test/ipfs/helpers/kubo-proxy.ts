// A proxy in front of a Kubo RPC API: each call is offered to `answer` first, which may answer it
// in the node's place (a page, a block the node never had) and return true; the rest reach the
// node as they are.
import { createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedIpfs, KuboBlobStore, startEmbeddedIpfs } from '../../../src/ipfs';

export interface KuboProxy {
  readonly url: string;
  readonly server: Server;
  /** Stops it, cutting the connections clients keep alive. */
  close(): Promise<void>;
}

export async function kuboProxy(target: string, answer: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<KuboProxy> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    if (answer(req, res)) return;
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

export interface StoreBehindProxy {
  readonly ipfs: EmbeddedIpfs;
  readonly proxy: KuboProxy;
  /** A KuboBlobStore reaching the node through the proxy. */
  readonly store: KuboBlobStore;
  /** The CID of `stored`, put through the proxy while it forwarded everything. */
  readonly cid: string;
  close(): Promise<void>;
}

/**
 * The embedded store's Kubo API in a fresh data dir, `answer`'s proxy in front of it, and a store
 * reaching it through the proxy, holding `stored`. `answer` should forward everything until the
 * test switches it (the put goes through it).
 */
export async function storeBehindProxy(stored: Uint8Array, answer: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<StoreBehindProxy> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcr-kubo-proxy-'));
  const ipfs = await startEmbeddedIpfs({ dataDir, port: 0 });
  const proxy = await kuboProxy(ipfs.apiUrl, answer);
  const store = await KuboBlobStore.open({ url: proxy.url, lookupTimeoutMs: 5_000 });
  const { cid } = await store.put([stored]);
  return {
    ipfs,
    proxy,
    store,
    cid,
    async close() {
      await store.close();
      await proxy.close();
      await ipfs.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
