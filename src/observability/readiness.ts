// Readiness: named checks run together, each with a deadline, answered as JSON with the reason
// for each failure. `/healthz` says only that the process answers; `/readyz` runs the checks.
import type { ServerResponse } from 'node:http';
import { shownHash } from '../chain/shown-hash';
import { scrub } from './redact';

/** A check resolves with what it found ("best block #12") or throws saying what is wrong and what to do. */
export type Check = () => Promise<string>;

export interface CheckResult {
  readonly ok: boolean;
  readonly detail: string;
}

export interface Readiness {
  readonly ready: boolean;
  /** The failures in one sentence, or "ready". */
  readonly reason: string;
  readonly checks: Readonly<Record<string, CheckResult>>;
}

export async function runChecks(checks: Readonly<Record<string, Check>>, timeoutMs = 3_000): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      });
      try {
        return [name, { ok: true, detail: await Promise.race([check(), deadline]) }];
      } catch (error) {
        return [name, { ok: false, detail: (error as Error).message ?? String(error) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failed = entries.filter(([, result]) => !result.ok);
  return {
    ready: failed.length === 0,
    reason: failed.length === 0 ? 'ready' : failed.map(([name, result]) => `${name}: ${result.detail}`).join('; '),
    checks: Object.fromEntries(entries),
  };
}

/**
 * The checks as one shared run: callers that ask while a run is under way get its finding, and
 * the next caller after it starts a new one (a finding is never kept, so readiness follows the
 * services at once). Anyone may ask for /readyz, and each run asks the chain, IPFS and the index:
 * run per request, a flood of probes became as many queries at once, queued before the gateway's
 * listings (and the orchestrator's own probe, waiting behind them past its deadline, reported the
 * gateway not ready). Shared, the services see one run at a time however many probes arrive.
 */
export function sharedChecks(checks: Readonly<Record<string, Check>>, timeoutMs?: number): () => Promise<Readiness> {
  let running: Promise<Readiness> | undefined;
  return () => {
    running ??= runChecks(checks, timeoutMs).finally(() => {
      running = undefined;
    });
    return running;
  };
}

/**
 * 200 when ready, else 503 with Retry-After; the body says why either way. Anyone may ask, so
 * the body is scrubbed as a log line is: a CHAIN_RPC, IPFS_API or GRAPHQL_URL given with
 * credentials is named without them.
 */
export function sendReadiness(res: ServerResponse, readiness: Readiness): void {
  const checks = Object.fromEntries(Object.entries(readiness.checks).map(([name, result]) => [name, { ok: result.ok, detail: scrub(result.detail) }]));
  const body = JSON.stringify({ status: readiness.ready ? 'ready' : 'not ready', reason: scrub(readiness.reason), checks });
  res.statusCode = readiness.ready ? 200 : 503;
  if (!readiness.ready) res.setHeader('Retry-After', '5');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export function sendAlive(res: ServerResponse, service: string): void {
  const body = JSON.stringify({ status: 'ok', service, uptimeSeconds: Math.round(process.uptime()) });
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export const DEFAULT_MAX_INDEX_LAG_BLOCKS = 20;

/** The index lag check's verdict: the processor's height against the chain's finalized head. */
export function indexLag(indexHeight: number, chainFinalized: number, maxLagBlocks: number): string {
  const lag = Math.max(0, chainFinalized - indexHeight);
  if (lag > maxLagBlocks) {
    throw new Error(`the index is at block #${indexHeight}, ${lag} blocks behind the chain's finalized #${chainFinalized} (more than ${maxLagBlocks}): check that the processor runs and reaches the chain, or raise the threshold`);
  }
  return `at block #${indexHeight}, ${lag} behind the chain's finalized #${chainFinalized}`;
}

/** One JSON-RPC call over HTTP (a node serves HTTP on its WebSocket port too). */
async function chainCall(chainRpc: string, method: string, params: unknown[], timeoutMs: number): Promise<unknown> {
  const url = chainRpc.replace(/^ws(s?):/, 'http$1:');
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(timeoutMs) });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(body.error.message);
  return body.result;
}

const unreachable = (chainRpc: string, error: unknown) => new Error(`the chain at ${chainRpc} cannot be reached (${(error as Error).message}): check CHAIN_RPC and the node`);

/** The chain's finalized height over JSON-RPC on HTTP. */
export async function chainFinalizedHeight(chainRpc: string, timeoutMs = 3_000): Promise<number> {
  try {
    const hash = await chainCall(chainRpc, 'chain_getFinalizedHead', [], timeoutMs);
    const header = (await chainCall(chainRpc, 'chain_getHeader', [hash], timeoutMs)) as { number: string };
    return Number.parseInt(header.number, 16);
  } catch (error) {
    throw unreachable(chainRpc, error);
  }
}

/**
 * Throws unless the chain has the block the index last indexed, at its height: an index built
 * from another chain (a database kept after a chain reset, the wrong DB_URL or CHAIN_RPC) keeps
 * pace with this chain's height while naming that chain's owners and records.
 */
export async function assertIndexedBlockOnChain(chainRpc: string, indexed: { height: number; hash: string }, timeoutMs = 3_000): Promise<void> {
  let onChain: unknown;
  try {
    onChain = await chainCall(chainRpc, 'chain_getBlockHash', [indexed.height], timeoutMs);
  } catch (error) {
    throw unreachable(chainRpc, error);
  }
  if (typeof onChain === 'string' && onChain.toLowerCase() === indexed.hash.toLowerCase()) return;
  throw new Error(
    `the index holds another chain: it indexed block #${indexed.height} as ${shownHash(indexed.hash)}, but the chain at ${chainRpc} has ${typeof onChain === 'string' ? shownHash(onChain) : 'no block'} at that height: point DB_URL at this chain's index, or CHAIN_RPC at the chain the index was built from (after a chain reset, re-index into an empty database)`,
  );
}
