// JSON-RPC 2.0 parsing, validation and dispatch, independent of the socket a message came from.
// Replies are built as strings so one bad result can be turned into an error without
// affecting the other replies of a batch.

import {
  RPC_INTERNAL_ERROR,
  RPC_INVALID_PARAMS,
  RPC_INVALID_REQUEST,
  RPC_METHOD_NOT_FOUND,
  RPC_PARSE_ERROR,
  RpcError,
  type RpcConnection,
  type RpcMethods,
} from './types';

/** Substrate's (jsonrpsee's) code for a request above the size limit. */
export const RPC_OVERSIZED_REQUEST = -32007;

/** Substrate's (jsonrpsee's) code for a batch whose replies together pass the response limit. */
export const RPC_BATCH_RESPONSE_TOO_LARGE = -32011;

/** Substrate's (jsonrpsee's) code for one reply above the response limit. */
export const RPC_OVERSIZED_RESPONSE = -32008;

/** Substrate's default for both request bodies and WebSocket messages. */
export const DEFAULT_MAX_REQUEST_BYTES = 15 * 1024 * 1024;

/** Substrate's default for responses (`--rpc-max-response-size`). */
export const DEFAULT_MAX_RESPONSE_BYTES = 15 * 1024 * 1024;

/** A long batch hands the event loop to other clients (and block production) this often. */
const BATCH_YIELD_EVERY = 256;
/**
 * ... and whenever its calls have held the event loop this long: some calls take up to half a
 * second each (an extrinsic of 11,000 calls to decode), so 256 of them in one batch, counted by
 * number alone, would stop every other client and block production for minutes.
 */
const BATCH_YIELD_AFTER_MS = 20;

type JsonRpcId = string | number | null;

/** What one request may use of the connection it arrived on. */
export interface RequestScope {
  readonly connection: RpcConnection;
  /**
   * Runs once the reply carrying this request's answer has been written (or right away for a
   * notification). `succeeded` is false when the request was answered with an error, so any
   * subscription it opened can be dropped: the client never learnt its id.
   */
  settle(succeeded: boolean): void;
}

export interface DispatchContext {
  readonly methods: RpcMethods;
  /** Called once per well-formed request, before its handler runs. */
  openScope(): RequestScope;
  readonly onInternalError?: (method: string, error: unknown) => void;
  /** Largest reply, and most bytes the replies of one batch may add up to (default 15 MiB, as Substrate). */
  readonly maxResponseBytes?: number;
}

export interface Reply {
  /** The serialized reply; undefined when nothing must be sent (only notifications). */
  readonly text: string | undefined;
  /** Call right after `text` has been written (or dropped because the client is gone). */
  written(): void;
}

interface Outcome {
  readonly response: string | undefined;
  /** `succeeded: false` drops what the request opened even if it succeeded (its reply is not sent). */
  settle(succeeded?: boolean): void;
}

/** What is left of a batch's response limit; below zero once passed. */
interface ResponseBudget {
  left: number;
}

const noop = (): void => {};

export function errorResponse(id: JsonRpcId, code: number, message: string, data?: unknown): string {
  const error: { code: number; message: string; data?: unknown } = { code, message };
  if (data !== undefined) error.data = data;
  try {
    return JSON.stringify({ jsonrpc: '2.0', id, error });
  } catch {
    // `data` could not be serialized (BigInt, cycle): the code and message still can.
    return JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } });
  }
}

export function oversizedResponse(limit: number): string {
  return errorResponse(null, RPC_OVERSIZED_REQUEST, 'Request is too big', `Exceeded max limit of ${limit} bytes`);
}

/** Serializes `value`, throwing when the result would not be valid JSON. */
export function toJson(value: unknown): string {
  const json = JSON.stringify(value === undefined ? null : value);
  if (json === undefined) throw new TypeError('value is not JSON-serializable');
  return json;
}

/** Handles one incoming message: a single request or a batch. Never rejects. */
export async function handleMessage(text: string, ctx: DispatchContext): Promise<Reply> {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { text: errorResponse(null, RPC_PARSE_ERROR, 'Parse error'), written: noop };
  }

  if (!Array.isArray(payload)) {
    const outcome = await handleRequest(payload, ctx);
    return { text: outcome.response, written: outcome.settle };
  }
  if (payload.length === 0) {
    return { text: errorResponse(null, RPC_INVALID_REQUEST, 'Invalid request', 'empty batch'), written: noop };
  }
  return handleBatch(payload, ctx);
}

/**
 * A batch multiplies what one message costs: ~60 bytes asking for the metadata bring ~48 KB back,
 * so one 15 MiB batch would ask for about 13 GB of replies and kill the process (out of memory)
 * before a byte was sent. Replies are therefore counted as they are made, against the response
 * limit, and the batch stops running calls as soon as they pass it; the client gets one error
 * (Substrate's -32011) instead. The batch also yields now and then so other clients are served.
 */
async function handleBatch(payload: unknown[], ctx: DispatchContext): Promise<Reply> {
  const limit = ctx.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const budget = { left: limit };
  const pending: (Outcome | Promise<Outcome>)[] = [];
  let since = performance.now();
  for (let i = 0; i < payload.length && budget.left >= 0; i++) {
    if (i > 0 && (i % BATCH_YIELD_EVERY === 0 || performance.now() - since > BATCH_YIELD_AFTER_MS)) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      since = performance.now();
    }
    pending.push(handleRequest(payload[i], ctx, budget));
  }
  const outcomes = await Promise.all(pending);
  if (budget.left < 0) {
    // Subscriptions opened by the batch's calls are dropped: their ids never reach the client.
    const dropAll = () => outcomes.forEach((outcome) => outcome.settle(false));
    const text = errorResponse(null, RPC_BATCH_RESPONSE_TOO_LARGE, 'The batch response was too large', `Exceeded max limit of ${limit}`);
    return { text, written: dropAll };
  }
  const parts = outcomes.flatMap((outcome) => (outcome.response === undefined ? [] : [outcome.response]));
  return {
    // A batch of notifications only gets no reply at all.
    text: parts.length > 0 ? `[${parts.join(',')}]` : undefined,
    written: () => outcomes.forEach((outcome) => outcome.settle()),
  };
}

type Validated =
  | { ok: true; id: JsonRpcId; isNotification: boolean; method: string; params: unknown }
  | { ok: false; id: JsonRpcId; reason: string };

function validate(raw: unknown): Validated {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, id: null, reason: 'request must be an object' };
  }
  const request = raw as Record<string, unknown>;
  const isNotification = !('id' in request);
  const id = request.id ?? null;
  if (typeof id !== 'string' && typeof id !== 'number' && id !== null) {
    return { ok: false, id: null, reason: 'id must be a string, a number or null' };
  }
  if ('jsonrpc' in request && request.jsonrpc !== '2.0') {
    return { ok: false, id, reason: 'jsonrpc must be "2.0"' };
  }
  if (typeof request.method !== 'string') {
    return { ok: false, id, reason: 'method must be a string' };
  }
  return { ok: true, id, isNotification, method: request.method, params: request.params };
}

/** Handlers always get an array; named params arrive as a single object argument. */
function normalizeParams(params: unknown): unknown[] {
  if (params === undefined || params === null) return [];
  if (Array.isArray(params)) return params;
  if (typeof params === 'object') return [params];
  throw new RpcError(RPC_INVALID_PARAMS, 'Invalid params', 'params must be an array or an object');
}

/**
 * Answers one request. A handler that returns a plain value is answered synchronously, so that a
 * batch charges each reply to its budget before it runs the next call.
 */
function handleRequest(raw: unknown, ctx: DispatchContext, budget?: ResponseBudget): Outcome | Promise<Outcome> {
  const request = validate(raw);
  if (!request.ok) {
    const response = errorResponse(request.id, RPC_INVALID_REQUEST, 'Invalid request', request.reason);
    if (budget) budget.left -= response.length;
    return { response, settle: noop };
  }

  const { id, method } = request;
  const scope = ctx.openScope();
  const finish = (response: string, succeeded: boolean): Outcome => {
    if (budget && !request.isNotification) budget.left -= response.length;
    return {
      // Notifications are never answered, not even with an error.
      response: request.isNotification ? undefined : response,
      settle: (keep = true) => scope.settle(succeeded && keep),
    };
  };
  const succeed = (result: unknown): Outcome => {
    try {
      const response = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${toJson(result)}}`;
      // One small request can ask for a huge reply (chain_getBlockHash of a million heights,
      // state_getPairs of everything); queued for a client that reads slowly, such replies
      // would add up across connections. A node refuses them the same way.
      const limit = ctx.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
      if (response.length > limit) {
        return finish(errorResponse(id, RPC_OVERSIZED_RESPONSE, 'Response is too big', `Exceeded max limit of ${limit}`), false);
      }
      return finish(response, true);
    } catch (error) {
      return finish(failureResponse(id, method, error, ctx), false);
    }
  };
  let result: unknown;
  try {
    const handler = ctx.methods.get(method);
    if (handler === undefined) throw new RpcError(RPC_METHOD_NOT_FOUND, 'Method not found');
    result = handler(normalizeParams(request.params), scope.connection);
  } catch (error) {
    return finish(failureResponse(id, method, error, ctx), false);
  }
  if (!isThenable(result)) return succeed(result);
  return Promise.resolve(result).then(succeed, (error: unknown) => finish(failureResponse(id, method, error, ctx), false));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function failureResponse(id: JsonRpcId, method: string, error: unknown, ctx: DispatchContext): string {
  if (error instanceof RpcError) return errorResponse(id, error.code, error.message, error.data);
  // Anything else is a bug on our side: report it, but tell the client nothing about internals.
  try {
    ctx.onInternalError?.(method, error);
  } catch {
    // A failing reporter must not turn into an unanswered request.
  }
  return errorResponse(id, RPC_INTERNAL_ERROR, 'Internal error');
}
