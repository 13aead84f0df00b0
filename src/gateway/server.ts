// Runs the gateway on an HTTP server. The service name (what login tokens must name) defaults
// to the address it listens on, known only once it listens, so the app is built after that.
import { createServer, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createGatewayApp, type GatewayApp, type GatewayOptions } from './app';
import type { OciErrorCode } from './errors/codes';

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
  // Node looks for connections past headersTimeout only this often; at its default (30 s) a
  // client could hold a connection with half-sent headers for up to 90 s instead of 60.
  const server = createServer({ maxHeaderSize: 16 * 1024, connectionsCheckingInterval: 1_000 });
  // Long uploads and downloads must not be cut off by Node's default 5-minute request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket, server.headersTimeout));
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
  let gateway: GatewayApp;
  try {
    gateway = createGatewayApp({ ...options, service });
  } catch (error) {
    // Bad options (a publicUrl with a path, say): nothing may be left listening.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }
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

/** Requests Node refuses before Express sees them (slow, huge or malformed headers) still get an OCI error body. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket, headersTimeoutMs: number): void {
  // An answer already under way on this connection cannot be followed by another one.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, code, message } = clientErrorAnswer(error, headersTimeoutMs);
  const body = JSON.stringify({ errors: [{ code, message }] });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function clientErrorAnswer(error: NodeJS.ErrnoException, headersTimeoutMs: number): { status: number; code: OciErrorCode; message: string } {
  const reason = (error as { reason?: string }).reason ?? error.code ?? error.message;
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'SIZE_INVALID', message: 'the request headers are larger than 16 KiB; send smaller headers' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      // No OCI code names a timeout, and clients may know no others: UNSUPPORTED is the spec's
      // code for a request the registry cannot take, the status says why.
      return {
        status: 408,
        code: 'UNSUPPORTED',
        message: `the request headers did not all arrive within ${headersTimeoutMs / 1000} s; check the network (or proxy) between the client and the gateway, then send the request again`,
      };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { status: 400, code: 'SIZE_INVALID', message: `the Content-Length header is not valid (${reason}); send one Content-Length: the body's size in bytes` };
    default:
      return { status: 400, code: 'UNSUPPORTED', message: `the request is not valid HTTP (${error.code ?? error.message})` };
  }
}
