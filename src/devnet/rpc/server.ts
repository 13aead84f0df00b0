// The JSON-RPC endpoint: HTTP POST and WebSocket on one port, like a Substrate node's.
// It only transports; what the methods do is up to `options.methods`.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { createHttpHandler } from './http-handler';
import { DEFAULT_MAX_REQUEST_BYTES } from './jsonrpc';
import type { RpcServer, RpcServerOptions } from './types';
import { WsConnection } from './ws-connection';

export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const shared = { methods: options.methods, maxRequestBytes, onInternalError: options.onInternalError };
  let urls = { http: '', ws: '' };

  const server = createServer(createHttpHandler({ ...shared, wsUrl: () => urls.ws }));
  // ws itself would close a client whose message passes maxPayload. Leaving headroom above our own
  // limit lets moderately oversized messages get a JSON-RPC error and keep their connection.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 * maxRequestBytes });
  wss.on('connection', (ws) => new WsConnection(ws, shared));
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Failures of single sockets are handled where they occur; never let one escape as a crash.
  server.on('error', () => {});

  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  urls = { http: `http://${host}:${port}`, ws: `ws://${host}:${port}` };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.close(() => resolve());
      // Keep-alive HTTP clients would otherwise hold `close` open until they time out.
      server.closeAllConnections();
    });
    return closing;
  };

  return { port, httpUrl: urls.http, wsUrl: urls.ws, close };
}
