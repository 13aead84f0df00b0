// Runs the gateway on an HTTP server. The service name (what login tokens must name) defaults
// to the address it listens on, known only once it listens, so the app is built after that.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createGatewayApp, type GatewayApp, type GatewayOptions } from './app';

export interface StartGatewayOptions extends GatewayOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 5000; 0 picks a free port. */
  readonly port?: number;
}

export interface RunningGateway {
  /** `http://host:port`. */
  readonly url: string;
  /** host:port, the token service name unless auth.service was given. */
  readonly service: string;
  readonly gateway: GatewayApp;
  readonly server: Server;
  close(): Promise<void>;
}

export const DEFAULT_GATEWAY_PORT = 5000;

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer({ maxHeaderSize: 16 * 1024 });
  // Long uploads and downloads must not be cut off by Node's default 5-minute request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_GATEWAY_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const service = options.service ?? `${hostPart}:${address.port}`;
  const gateway = createGatewayApp({ ...options, service });
  server.on('request', gateway.app);
  return {
    url: `http://${hostPart}:${address.port}`,
    service: gateway.context.access.auth.service,
    gateway,
    server,
    async close() {
      await gateway.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive and streaming connections would hold close() open; end them all.
        server.closeAllConnections();
      });
    },
  };
}

/** Requests Node refuses before Express sees them (huge headers, bad syntax) still get an OCI error body. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify({
    errors: [{ code: tooLarge ? 'SIZE_INVALID' : 'UNSUPPORTED', message: tooLarge ? 'the request headers are larger than 16 KiB; send smaller headers' : `the request is not valid HTTP (${error.code ?? error.message})` }],
  });
  socket.end(`HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
