// The JSON-RPC endpoint: HTTP POST and WebSocket on one port, like a Substrate node's.
// It only transports; what the methods do is up to `options.methods`.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { createHttpHandler } from './http-handler';
import { DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_RESPONSE_BYTES } from './jsonrpc';
import type { RpcServer, RpcServerOptions } from './types';
import { isRpcMethodsPolicy, unsafeRefusal } from './unsafe';
import { DEFAULT_PAUSE_BUFFERED_BYTES, WsConnection } from './ws-connection';

/** Substrate's defaults for subscriptions per connection and connections. */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 1024;
export const DEFAULT_MAX_CONNECTIONS = 100;
/** Storage keys one connection's storage subscriptions may watch together. */
export const DEFAULT_MAX_WATCHED_KEYS_PER_CONNECTION = 16_384;
/** Replies and notifications a WebSocket client may leave unread before it is disconnected. */
export const DEFAULT_MAX_BUFFERED_BYTES_PER_CONNECTION = 64 * 1024 * 1024;

export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  const policy = options.rpcMethods ?? 'auto';
  if (!isRpcMethodsPolicy(policy)) throw new Error(`rpcMethods is "${String(policy)}": give auto, safe or unsafe`);
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  // Decided from the address actually bound, once listening; nothing is answered before that.
  let refusal: string | undefined = 'the dev chain is not listening yet';
  const shared = {
    methods: options.methods,
    maxRequestBytes,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    onInternalError: options.onInternalError,
    unsafeRefusal: () => refusal,
  };
  const maxBufferedBytes = options.maxBufferedBytesPerConnection ?? DEFAULT_MAX_BUFFERED_BYTES_PER_CONNECTION;
  const wsOptions = {
    ...shared,
    maxSubscriptions: options.maxSubscriptionsPerConnection ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    maxBufferedBytes,
    // Reading stops well before the cut; a cut set lower than that is reached first, as asked.
    pauseBufferedBytes: Math.min(DEFAULT_PAUSE_BUFFERED_BYTES, maxBufferedBytes),
    maxWatchedKeys: options.maxWatchedKeysPerConnection ?? DEFAULT_MAX_WATCHED_KEYS_PER_CONNECTION,
  };
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  let connections = 0;
  let urls = { http: '', ws: '' };

  const server = createServer(createHttpHandler({ ...shared, maxBufferedRequestBytes: options.maxBufferedRequestBytes, wsUrl: () => urls.ws }));
  // ws itself would close a client whose message passes maxPayload. Leaving headroom above our own
  // limit lets moderately oversized messages get a JSON-RPC error and keep their connection.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 * maxRequestBytes });
  wss.on('connection', (ws) => new WsConnection(ws, wsOptions));
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    // Each WebSocket may hold up to maxSubscriptions subscriptions that every new block walks; an
    // unbounded number of connections would multiply that without limit, so a client beyond the
    // limit is refused, as a node does, before any state is kept for it.
    if (connections >= maxConnections) {
      const body = `Too many connections: the dev chain serves at most ${maxConnections} WebSocket clients at once.\n`;
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    connections++;
    let counted = true;
    const release = () => {
      if (counted) connections--;
      counted = false;
    };
    socket.once('close', release);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once('close', release);
      wss.emit('connection', ws, req);
    });
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

  const { port, address } = server.address() as AddressInfo;
  refusal = unsafeRefusal(address, policy);
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

  const unsentBytesPerConnection = (): number[] => [...wss.clients].map((client) => client.bufferedAmount);

  return { address, port, httpUrl: urls.http, wsUrl: urls.ws, unsafeAllowed: refusal === undefined, unsentBytesPerConnection, close };
}
