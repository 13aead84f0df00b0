// Runs the gateway on an HTTP or HTTPS server. The service name (what login tokens must name)
// defaults to the address it listens on, known only once it listens, so the app is built after
// that. With TLS, the certificate and key are read again when either file changes (or on
// reloadTls(), which `hcr gateway` calls on SIGHUP); a pair that does not load leaves the old one
// in place. close() stops gracefully: no new connections, requests that arrive on open ones get
// 503 with Connection: close, requests in flight get `graceMs` to finish, then the rest are cut
// (an upload cut off keeps every whole chunk it had; the client resumes from GET's Range).
import { readFileSync, statSync, unwatchFile, watchFile } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import { createGatewayApp, type GatewayApp, type GatewayOptions } from './app';
import type { OciErrorCode } from './errors/codes';
import { unavailable } from './errors/oci-error';
import { DEFAULT_BODY_IDLE_MS, watchRequestBody } from './http/body-idle';
import { continueOnRead, holdContinue } from './http/expect-continue';

export interface StartGatewayOptions extends GatewayOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 5000; 0 picks a free port. */
  readonly port?: number;
  /** Serve HTTPS with this PEM certificate (chain) and key; reloaded when either file changes. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; /** Poll the files for changes (default true). */ readonly watch?: boolean };
  /** How long close() lets requests in flight finish before cutting them; default 0 (tests), `hcr gateway` 25 s. */
  readonly shutdownGraceMs?: number;
  /** A request whose body sends nothing for this long is given up on (408); default 60 s. */
  readonly bodyIdleMs?: number;
}

export interface RunningGateway {
  /** `http://host:port`, or `https://…` with TLS. */
  readonly url: string;
  /** host:port, the token service name unless auth.service was given. */
  readonly service: string;
  readonly gateway: GatewayApp;
  readonly server: Server | HttpsServer;
  /** Reads the TLS certificate and key again; rejects (keeping the old pair) when they do not load. */
  reloadTls(): Promise<void>;
  /** Graceful stop: in-flight requests get `graceMs` (default shutdownGraceMs) to finish. */
  close(options?: { graceMs?: number }): Promise<void>;
}

export const DEFAULT_GATEWAY_PORT = 5000;

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const host = options.host ?? '127.0.0.1';
  // Node looks for connections past headersTimeout only this often; at its default (30 s) a
  // client could hold a connection with half-sent headers for up to 90 s instead of 60.
  const serverOptions = { maxHeaderSize: 16 * 1024, connectionsCheckingInterval: 1_000 };
  const tls = options.tls ? readTlsPair(options.tls.certFile, options.tls.keyFile) : undefined;
  const server: Server | HttpsServer = tls ? createHttpsServer({ ...serverOptions, ...TLS_POLICY, ...tls }) : createServer(serverOptions);
  // Long uploads and downloads must not be cut off by Node's default 5-minute request timeout;
  // a body that stops coming is given up on by watchRequestBody instead.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket, server.headersTimeout));
  holdContinue(server);
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
  const scheme = tls ? 'https' : 'http';
  let gateway: GatewayApp;
  try {
    // Without a configured public URL, clients reach the gateway where it listens, by its scheme.
    const publicUrl = options.publicUrl ?? (tls && !options.auth?.service ? `https://${service}` : undefined);
    gateway = createGatewayApp({ ...options, service, publicUrl });
  } catch (error) {
    // Bad options (a publicUrl with a path, say): nothing may be left listening.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }
  if (options.tls && tls) {
    for (const warning of [certificateProblem(tls.cert), ...tlsFileWarnings(options.tls.certFile, options.tls.keyFile)]) if (warning) gateway.logger.warn(warning);
  }
  const inFlight = new Set<ServerResponse>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (gateway.stopping) {
      // A request on a connection opened before the shutdown: no new work, and no keep-alive.
      // Health probes still get their answer (/readyz says "shutting down").
      res.shouldKeepAlive = false;
      res.setHeader('Connection', 'close');
      if (/^\/(healthz|readyz)(\?|$)/.test(req.url ?? '')) {
        gateway.app(req, res);
        return;
      }
      const error = unavailable('the gateway is shutting down: retry, and the client reaches another gateway or this one once it is back');
      const body = JSON.stringify({ errors: [error.toWire()] });
      res.writeHead(error.status, { ...error.headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    watchRequestBody(req, res, options.bodyIdleMs ?? DEFAULT_BODY_IDLE_MS);
    continueOnRead(req, res);
    gateway.app(req, res);
  });

  const reloadTls = async () => {
    if (!options.tls) throw new Error('the gateway serves plain HTTP: start it with a TLS certificate and key to reload them');
    const pair = readTlsPair(options.tls.certFile, options.tls.keyFile);
    // A renewal that went wrong (an old file copied back, a clock-skewed issuer) must not replace
    // a certificate clients accept with one they refuse.
    const problem = certificateProblem(pair.cert);
    if (problem) throw new Error(problem);
    // setSecureContext builds a new context from these options alone: the policy goes with it.
    (server as HttpsServer).setSecureContext({ ...TLS_POLICY, ...pair });
    for (const warning of tlsFileWarnings(options.tls.certFile, options.tls.keyFile)) gateway.logger.warn(warning);
    gateway.logger.info('TLS certificate loaded', { certFile: options.tls.certFile, validTo: new X509Certificate(pair.cert).validTo });
  };
  const watched = options.tls && options.tls.watch !== false ? [options.tls.certFile, options.tls.keyFile] : [];
  let reloadTimer: NodeJS.Timeout | undefined;
  const onFileChange = () => {
    // A renewal writes the certificate and the key one after the other: load them together.
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => reloadTls().catch((error: Error) => gateway.logger.error('TLS certificate not reloaded, the old one stays in use', { reason: error.message })), 200);
  };
  for (const file of watched) watchFile(file, { interval: 1_000 }, onFileChange);

  let closing: Promise<void> | undefined;
  const close = async (graceMs: number) => {
    for (const file of watched) unwatchFile(file, onFileChange);
    clearTimeout(reloadTimer);
    gateway.beginShutdown();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (inFlight.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const cut = inFlight.size;
    if (cut > 0) gateway.logger.warn('shutdown: cutting requests still in flight', { requests: cut, graceMs });
    // Keep-alive and streaming connections would hold close() open; end them all.
    server.closeAllConnections();
    // Handlers of cut requests undo partial upload chunks before the stores close under them.
    await gateway.drain(5_000);
    await gateway.close();
    await closed;
  };
  return {
    url: `${scheme}://${hostPart}:${address.port}`,
    service: gateway.context.access.auth.service,
    gateway,
    server,
    reloadTls,
    close(closeOptions = {}) {
      closing ??= close(closeOptions.graceMs ?? options.shutdownGraceMs ?? 0);
      return closing;
    },
  };
}

/**
 * TLS 1.2 and 1.3 with forward-secret AEAD suites only (Mozilla's "intermediate" profile), stated
 * here rather than left to Node's defaults, which NODE_OPTIONS (`--tls-min-v1.0`,
 * `--tls-cipher-list`) or an openssl.cnf can lower, and which admit CBC suites with SHA-1 MACs.
 * Every client that speaks the registry API (Docker, containerd, podman, skopeo, curl) has these.
 */
export const TLS_POLICY = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305', 'DHE-RSA-AES128-GCM-SHA256', 'DHE-RSA-AES256-GCM-SHA384',
  ].join(':'),
} as const;

/** Why clients would refuse this certificate (the first of a chain) today, or undefined. */
export function certificateProblem(cert: Buffer, now = Date.now()): string | undefined {
  const x509 = new X509Certificate(cert);
  if (Date.parse(x509.validTo) <= now) return `the TLS certificate expired on ${x509.validTo}: renew it (clients refuse an expired certificate)`;
  if (Date.parse(x509.validFrom) > now) return `the TLS certificate is not valid before ${x509.validFrom}: check the clock of this machine and of the issuer`;
  return undefined;
}

/** What is unsafe about the files' permissions: a key others may read, files others may replace (they are reloaded as they change). */
export function tlsFileWarnings(certFile: string, keyFile: string): string[] {
  const warnings: string[] = [];
  const mode = (file: string) => {
    try {
      return statSync(file).mode;
    } catch {
      return 0;
    }
  };
  if (mode(keyFile) & 0o004) warnings.push(`the TLS private key ${keyFile} can be read by every user of this machine: chmod 600 ${keyFile} (or 640 with a group only the gateway is in)`);
  for (const file of [certFile, keyFile]) {
    if (mode(file) & 0o022) warnings.push(`${file} can be written by users other than its owner, who could swap the gateway's TLS identity (it is reloaded when it changes): chmod go-w ${file}`);
  }
  return warnings;
}

/** The PEM pair, checked to load together (a key that does not match its certificate is refused here). */
export function readTlsPair(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = readFileSync(certFile);
    key = readFileSync(keyFile);
  } catch (error) {
    throw new Error(`the TLS certificate or key cannot be read (${(error as Error).message}): give PEM files the gateway may read (--tls-cert, --tls-key)`);
  }
  try {
    createSecureContext({ ...TLS_POLICY, cert, key });
  } catch (error) {
    throw new Error(`the TLS certificate ${certFile} and key ${keyFile} do not load together (${(error as Error).message}): give the PEM certificate (with its chain) and the private key that belongs to it`);
  }
  return { cert, key };
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
