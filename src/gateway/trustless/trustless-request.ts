// What a trustless-gateway request asks for (the IPFS Trustless Gateway specification):
// `/ipfs/{cid}` as one raw block (`application/vnd.ipld.raw`) or as a CAR (`application/vnd.ipld.car`,
// version 1, depth-first, with `dag-scope` and `entity-bytes`), chosen by `?format=` over Accept.
// Requests that do not name one of the two are refused: this gateway never deserializes.
import type { Request } from 'express';

export type DagScope = 'all' | 'entity' | 'block';

/** `entity-bytes=from:to`: offsets into the file, `to` inclusive; negatives count from the end, `*` is the end. */
export interface EntityBytes {
  readonly from: number;
  readonly to: number | '*';
}

export interface TrustlessRequest {
  readonly cid: string;
  readonly format: 'raw' | 'car';
  readonly scope: DagScope;
  readonly entityBytes?: EntityBytes;
  /** Whether duplicate blocks were asked for (`dups=y`); this gateway sends each block once either way. */
  readonly dupsRequested: boolean;
}

export class TrustlessRequestError extends Error {
  constructor(message: string, readonly status = 400, readonly retryAfterSeconds?: number) {
    super(message);
  }
}

export const RAW_TYPE = 'application/vnd.ipld.raw';
export const CAR_TYPE = 'application/vnd.ipld.car';

const single = (value: unknown, name: string): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new TrustlessRequestError(`give ${name} once`);
  return value;
};

export function parseTrustlessRequest(req: Request, cid: string, path: string): TrustlessRequest {
  const { format, car: carParams } = negotiate(req);
  if (path && path !== '/') {
    throw new TrustlessRequestError(`/ipfs/${cid}${path}: the content this gateway serves is single files, which have no paths inside them; ask for /ipfs/${cid}`, format === 'car' ? 404 : 400);
  }
  if (format === 'raw') {
    for (const car of ['dag-scope', 'entity-bytes', 'car-version', 'car-order', 'car-dups']) {
      if (req.query[car] !== undefined) throw new TrustlessRequestError(`${car} applies to CAR responses only: ask for format=car, or leave ${car} out`);
    }
    return { cid, format, scope: 'block', dupsRequested: false };
  }
  const version = single(req.query['car-version'], 'car-version') ?? carParams.version ?? '1';
  if (version !== '1') throw new TrustlessRequestError(`CAR version ${version} is not served here: ask for car-version=1`);
  const order = single(req.query['car-order'], 'car-order') ?? carParams.order;
  if (order !== undefined && order !== 'dfs' && order !== 'unk') throw new TrustlessRequestError(`car order ${JSON.stringify(order)} is not known: use dfs (what this gateway sends) or unk`);
  const dups = single(req.query['car-dups'], 'car-dups') ?? carParams.dups;
  if (dups !== undefined && dups !== 'y' && dups !== 'n') throw new TrustlessRequestError(`car dups ${JSON.stringify(dups)} is not valid: use y or n`);
  const scope = (single(req.query['dag-scope'], 'dag-scope') ?? 'all') as DagScope;
  if (!['all', 'entity', 'block'].includes(scope)) throw new TrustlessRequestError(`dag-scope ${JSON.stringify(scope)} is not valid: use block, entity or all`);
  const rawBytes = single(req.query['entity-bytes'], 'entity-bytes');
  const entityBytes = rawBytes === undefined ? undefined : parseEntityBytes(rawBytes);
  // entity-bytes implies dag-scope=entity.
  return { cid, format, scope: entityBytes ? 'entity' : scope, entityBytes, dupsRequested: dups === 'y' };
}

interface CarParameters {
  readonly version?: string;
  readonly order?: string;
  readonly dups?: string;
}

/**
 * The format, by `?format=` or else Accept, and the CAR parameters of the Accept entry chosen:
 * the entries in order of preference (q, then as listed; q=0 refuses), the first this gateway can
 * serve. A CAR entry asking for a variant not served here (version=2, say) is passed over for the
 * next; only when none can be served is the request refused.
 */
function negotiate(req: Request): { format: 'raw' | 'car'; car: CarParameters } {
  const format = single(req.query.format, 'format');
  if (format !== undefined && format !== 'raw' && format !== 'car') {
    throw new TrustlessRequestError(`format=${format} is not served by this trustless gateway: ask for format=raw (one block) or format=car (the DAG)`);
  }
  if (format === 'raw') return { format, car: {} };
  let refused: string | undefined;
  for (const { type, params } of acceptEntries(req.headers.accept ?? '')) {
    if (type === RAW_TYPE && format === undefined) return { format: 'raw', car: {} };
    if (type !== CAR_TYPE) continue;
    const refusal = carRefusal(params);
    if (!refusal) return { format: 'car', car: params };
    refused ??= refusal;
  }
  if (refused) throw new TrustlessRequestError(refused);
  if (format === 'car') return { format: 'car', car: {} };
  throw new TrustlessRequestError(`this is a trustless gateway: ask for ${RAW_TYPE} or ${CAR_TYPE} (Accept header, or ?format=raw / ?format=car); it serves no deserialized responses`);
}

/** Accept's media ranges by preference: highest q first, ties as listed; those with q=0 (or no valid q) left out. */
function acceptEntries(accept: string): { type: string; params: CarParameters; q: number }[] {
  return accept
    .split(',')
    .map((part) => {
      const [type = '', ...rest] = part.split(';').map((p) => p.trim().toLowerCase());
      const params: Record<string, string> = Object.create(null);
      for (const param of rest) {
        const [key, value] = param.split('=').map((p) => p.trim());
        if (key && value !== undefined) params[key] = value.replace(/^"(.*)"$/, '$1');
      }
      return { type, params: { version: params.version, order: params.order, dups: params.dups }, q: params.q === undefined ? 1 : Number(params.q) };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q);
}

/** Why this gateway cannot send a CAR with these parameters; undefined when it can. */
function carRefusal({ version, order, dups }: CarParameters): string | undefined {
  if (version !== undefined && version !== '1') return `CAR version ${version} is not served here: ask for car-version=1`;
  if (order !== undefined && order !== 'dfs' && order !== 'unk') return `car order ${JSON.stringify(order)} is not known: use dfs (what this gateway sends) or unk`;
  if (dups !== undefined && dups !== 'y' && dups !== 'n') return `car dups ${JSON.stringify(dups)} is not valid: use y or n`;
  return undefined;
}

function parseEntityBytes(raw: string): EntityBytes {
  const match = /^(-?\d+):(-?\d+|\*)$/.exec(raw);
  if (!match) throw new TrustlessRequestError(`entity-bytes=${raw} is not valid: use from:to with byte offsets (to inclusive, * for the end, negative from the end), for example 0:1023`);
  const from = Number(match[1]);
  const to = match[2] === '*' ? '*' : Number(match[2]);
  if (!Number.isSafeInteger(from) || (to !== '*' && !Number.isSafeInteger(to))) throw new TrustlessRequestError(`entity-bytes=${raw}: the offsets are too large`);
  return { from, to };
}

/** The byte range entity-bytes selects in a file of `size` bytes; empty when it selects nothing. */
export function entityRange(bytes: EntityBytes, size: number): { start: number; end: number } {
  const from = bytes.from < 0 ? Math.max(size + bytes.from, 0) : bytes.from;
  const to = bytes.to === '*' ? size - 1 : bytes.to < 0 ? size + bytes.to : bytes.to;
  const start = Math.min(from, size);
  const end = Math.min(Math.max(to + 1, start), size);
  return { start, end };
}
