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
  constructor(message: string, readonly status = 400) {
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
  const format = formatOf(req);
  if (path && path !== '/') {
    throw new TrustlessRequestError(`/ipfs/${cid}${path}: the content this gateway serves is single files, which have no paths inside them; ask for /ipfs/${cid}`, format === 'car' ? 404 : 400);
  }
  if (format === 'raw') {
    for (const car of ['dag-scope', 'entity-bytes', 'car-version', 'car-order', 'car-dups']) {
      if (req.query[car] !== undefined) throw new TrustlessRequestError(`${car} applies to CAR responses only: ask for format=car, or leave ${car} out`);
    }
    return { cid, format, scope: 'block', dupsRequested: false };
  }
  const carParams = carParameters(req);
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

function formatOf(req: Request): 'raw' | 'car' {
  const format = single(req.query.format, 'format');
  if (format !== undefined) {
    if (format === 'raw' || format === 'car') return format;
    throw new TrustlessRequestError(`format=${format} is not served by this trustless gateway: ask for format=raw (one block) or format=car (the DAG)`);
  }
  const accepted = (req.headers.accept ?? '')
    .split(',')
    .map((part) => {
      const [type, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type, q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { type } of accepted) {
    if (type === RAW_TYPE) return 'raw';
    if (type === CAR_TYPE) return 'car';
  }
  throw new TrustlessRequestError(`this is a trustless gateway: ask for ${RAW_TYPE} or ${CAR_TYPE} (Accept header, or ?format=raw / ?format=car); it serves no deserialized responses`);
}

/** version, order and dups from the Accept header's CAR entry. */
function carParameters(req: Request): { version?: string; order?: string; dups?: string } {
  const entry = (req.headers.accept ?? '').split(',').find((part) => part.trim().toLowerCase().startsWith(CAR_TYPE));
  const params: Record<string, string> = {};
  for (const param of entry?.split(';').slice(1) ?? []) {
    const [key, value] = param.split('=').map((p) => p.trim().toLowerCase());
    if (key && value !== undefined) params[key] = value;
  }
  return { version: params.version, order: params.order, dups: params.dups };
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
