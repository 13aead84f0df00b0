// The contract between the JSON-RPC transport (server.ts) and the method handlers (methods/).
// The transport knows nothing of chains; handlers know nothing of sockets.
import type { RpcMethodsPolicy } from './unsafe';

/** A JSON-RPC error with a standard or Substrate-specific code (1002, 1010, 1011, ...). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL_ERROR = -32603;
/** Substrate's (jsonrpsee's) code for a subscription above the per-connection limit. */
export const RPC_TOO_MANY_SUBSCRIPTIONS = -32006;

/** A live subscription on one WebSocket connection. */
export interface Subscription {
  readonly id: string;
  /**
   * Sends `{"jsonrpc":"2.0","method":<notification>,"params":{"subscription":id,"result":result}}`.
   * Notifications sent before the subscribe call's own reply has been written are held back and
   * written right after it, so clients always see the id first.
   */
  notify(result: unknown): void;
  /** True once unsubscribed or the connection closed. */
  readonly closed: boolean;
}

/** One client connection (a WebSocket, or a single HTTP request). */
export interface RpcConnection {
  readonly transport: 'ws' | 'http';
  /**
   * Why the endpoint this connection came through refuses unsafe methods (--rpc-methods), or
   * undefined when it serves them (unsafe.ts).
   */
  readonly unsafeRefusal: string | undefined;
  /**
   * Opens a subscription whose notifications use `notificationMethod`. Throws an RpcError on HTTP.
   * `onClose` runs once, when the client unsubscribes or disconnects. `watchedKeys` is how many
   * storage keys the subscription reads on every block; they count against a per-connection limit.
   */
  subscribe(notificationMethod: string, onClose?: () => void, watchedKeys?: number): Subscription;
  /** Closes one of this connection's subscriptions; false if the id is unknown here. */
  unsubscribe(id: string): boolean;
}

/** A method handler: `params` is always an array (missing params and `null` become `[]`). */
export type RpcHandler = (params: unknown[], connection: RpcConnection) => unknown | Promise<unknown>;

export type RpcMethods = ReadonlyMap<string, RpcHandler>;

export interface RpcServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  methods: RpcMethods;
  /**
   * Where unsafe methods are served (unsafe.ts): `auto` (default) only when listening on a
   * loopback address, `safe` nowhere, `unsafe` everywhere.
   */
  rpcMethods?: RpcMethodsPolicy;
  /** Largest request body (HTTP) or message (WebSocket) accepted, in bytes. */
  maxRequestBytes?: number;
  /** Largest reply, and most bytes the replies to one batch may add up to (default 15 MiB, as Substrate). */
  maxResponseBytes?: number;
  /** Request bytes all HTTP requests together may hold at once; more get 503 (default 8 × maxRequestBytes). */
  maxBufferedRequestBytes?: number;
  /** Open subscriptions one WebSocket may hold (default 1024, as Substrate). */
  maxSubscriptionsPerConnection?: number;
  /**
   * Bytes queued for a WebSocket client that does not read them, beyond which the connection is
   * closed (default 64 MiB).
   */
  maxBufferedBytesPerConnection?: number;
  /** Storage keys one WebSocket's state_subscribeStorage subscriptions may watch in all (default 16,384). */
  maxWatchedKeysPerConnection?: number;
  /** WebSocket connections open at once; more are refused with HTTP 503 (default 100, as Substrate). */
  maxConnections?: number;
  /** Called with unexpected handler failures, which are answered as internal errors. */
  onInternalError?: (method: string, error: unknown) => void;
}

export interface RpcServer {
  /** The address bound: 127.0.0.1, ::1, 0.0.0.0, ... */
  readonly address: string;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** Whether unsafe methods are served (see RpcServerOptions.rpcMethods). */
  readonly unsafeAllowed: boolean;
  /** Bytes of replies and notifications queued, not yet handed to the kernel, per open WebSocket. */
  unsentBytesPerConnection(): number[];
  close(): Promise<void>;
}
