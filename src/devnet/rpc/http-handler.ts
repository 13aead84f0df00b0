// JSON-RPC over HTTP POST, plus the small extras browsers and health checks expect.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorResponse, handleMessage, oversizedResponse, type RequestScope } from './jsonrpc';
import { RPC_METHOD_NOT_FOUND, RPC_INVALID_REQUEST, RpcError, type RpcConnection, type RpcMethods } from './types';

export interface HttpHandlerOptions {
  readonly methods: RpcMethods;
  readonly maxRequestBytes: number;
  readonly maxResponseBytes?: number;
  /** Request bytes all HTTP requests together may hold while they are read and answered. */
  readonly maxBufferedRequestBytes?: number;
  readonly onInternalError?: (method: string, error: unknown) => void;
  /** Where subscriptions can be had instead; known only once the server listens. */
  readonly wsUrl: () => string;
  /** Why unsafe methods are refused, or undefined; known only once the server listens. */
  readonly unsafeRefusal: () => string | undefined;
}

/** jsonrpsee's code for a request turned away because the server is at capacity. */
const RPC_SERVER_BUSY = -32009;

// What Substrate's `system_health`-style endpoint answers for a node without peers.
const HEALTH = JSON.stringify({ isSyncing: false, peers: 0, shouldHavePeers: false });

export function createHttpHandler(options: HttpHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const connection: RpcConnection = {
    transport: 'http',
    get unsafeRefusal() {
      return options.unsafeRefusal();
    },
    // A node registers subscriptions on its WebSocket server only, so over HTTP they are unknown.
    subscribe: () => {
      throw new RpcError(
        RPC_METHOD_NOT_FOUND,
        `Subscriptions are not available over HTTP; connect with WebSocket (${options.wsUrl()})`,
      );
    },
    unsubscribe: () => false,
  };
  // One HTTP request never holds subscriptions, so there is nothing to settle.
  const scope: RequestScope = { connection, settle: () => {} };
  const context = {
    methods: options.methods,
    openScope: () => scope,
    onInternalError: options.onInternalError,
    maxResponseBytes: options.maxResponseBytes,
  };

  // Each body is held whole until answered. Without a bound across requests, a few thousand
  // connections each sending 15 MiB (or trickling it) would hold tens of gigabytes; past this
  // total a request is turned away with 503, and the others are still served.
  const budget = { left: options.maxBufferedRequestBytes ?? 8 * options.maxRequestBytes };

  return (req, res) => {
    // Browser pages and wallets call the node directly, from any origin.
    res.setHeader('Access-Control-Allow-Origin', '*');

    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'content-type',
        'Access-Control-Max-Age': '86400',
      });
      res.end();
      return;
    }
    if (req.method === 'GET' && (req.url ?? '/').split('?')[0] === '/health') {
      sendJson(res, 200, HEALTH);
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST, GET, OPTIONS');
      sendJson(res, 405, errorResponse(null, RPC_INVALID_REQUEST, 'Method not allowed; send JSON-RPC with POST'));
      return;
    }
    const contentType = req.headers['content-type'];
    if (contentType !== undefined && !contentType.toLowerCase().includes('json')) {
      req.resume();
      sendJson(res, 415, errorResponse(null, RPC_INVALID_REQUEST, 'Unsupported content type; send application/json'));
      return;
    }

    // The client may go away mid-request; then there is no one left to answer.
    answerPost(req, res).catch(() => res.destroy());
  };

  async function answerPost(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const held = { bytes: 0 };
    try {
      const body = await readBody(req, options.maxRequestBytes, budget, held);
      if (body === 'too big') {
        sendJson(res, 413, oversizedResponse(options.maxRequestBytes));
        return;
      }
      if (body === 'busy') {
        sendJson(res, 503, errorResponse(null, RPC_SERVER_BUSY, 'Server is busy, try again later', 'too many request bytes are being handled at once'));
        return;
      }
      const reply = await handleMessage(body.toString('utf8'), context);
      if (reply.text === undefined) {
        // Only notifications: JSON-RPC sends nothing back.
        if (!res.destroyed) res.writeHead(204).end();
      } else {
        sendJson(res, 200, reply.text);
      }
      reply.written();
    } finally {
      budget.left += held.bytes;
    }
  }
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  if (res.destroyed) return;
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * Resolves with the body; 'too big' when it exceeds `limit`; 'busy' when the shared budget cannot
 * hold it. A refused body is still read to its end (and dropped), so the client is done sending
 * and can read the reply. What is kept is charged to `budget` and recorded in `held`.
 */
function readBody(req: IncomingMessage, limit: number, budget: { left: number }, held: { bytes: number }): Promise<Buffer | 'too big' | 'busy'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refusal: 'too big' | 'busy' | undefined = Number(req.headers['content-length'] ?? 0) > limit ? 'too big' : undefined;
    const drop = () => {
      chunks.length = 0;
      budget.left += held.bytes;
      held.bytes = 0;
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!refusal && size > limit) refusal = 'too big';
      if (!refusal && chunk.length > budget.left) refusal = 'busy';
      if (refusal) return drop();
      chunks.push(chunk);
      budget.left -= chunk.length;
      held.bytes += chunk.length;
    });
    req.on('end', () => resolve(refusal ?? Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => reject(new Error('request closed before its end')));
  });
}
