// Serves the embedded store over the subset of Kubo's RPC API (`/api/v0/…`) that the Kubo
// BlobStore uses, so `IPFS_API=<this url>` works with the real kubo-rpc-client, and so the Kubo
// implementation is tested over a real socket. Like Kubo: POST only, cross-origin requests
// refused (a web page must not be able to add or pin through it), errors as Kubo's JSON.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmbeddedBlobStore } from './embedded-store';
import { KUBO_COMMANDS } from './kubo-api-routes';
import { Options, sendError } from './kubo-api-wire';

const API_PREFIX = '/api/v0/';

export interface KuboApiServerOptions {
  readonly store: EmbeddedBlobStore;
  /** Default 127.0.0.1: the API can add and pin, so it should not face a network by accident. */
  readonly host?: string;
  /** Default 5001 (Kubo's); 0 picks a free port. */
  readonly port?: number;
}

export interface KuboApiServer {
  /** e.g. `http://127.0.0.1:5001`: the value for IPFS_API. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startKuboApiServer(options: KuboApiServerOptions): Promise<KuboApiServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => void handle(req, res, options.store));
  await listen(server, host, options.port ?? 5001);
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, store: EmbeddedBlobStore): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const command = url.pathname.startsWith(API_PREFIX) ? KUBO_COMMANDS[url.pathname.slice(API_PREFIX.length)] : undefined;
  if (!command) return plain(req, res, 404, '404 page not found');
  if (req.method !== 'POST') return plain(req, res, 405, '405 - Method Not Allowed');
  if (req.headers.origin !== undefined) return plain(req, res, 403, '403 - Forbidden');
  try {
    await command(req, res, store, new Options(url.searchParams));
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
    } else {
      sendError(res, error);
      // Read what the client still sends, so it gets the answer rather than a reset.
      req.resume();
    }
  }
}

function plain(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
  req.resume();
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new Error(`cannot serve the embedded IPFS API on ${host}:${port}: the port is in use (a Kubo daemon? then set IPFS_API=http://${host}:${port} to use it instead), or choose another port`));
      } else {
        reject(error);
      }
    });
    server.listen(port, host, () => resolve());
  });
}
