// Submitting a signed extrinsic and following it: POST /extrinsics, GET /extrinsics/{hash}
// (polling) and GET /extrinsics/{hash}/events (server-sent events).
import type { Request, Response } from 'express';
import type { SignerPayloadJSON } from '@polkadot/types/types';
import { requestClientKey } from '../../limits/client-key';
import { readBody } from '../body';
import type { WalletApiContext } from '../context';
import { ApiError, invalidField } from '../errors';
import { checkExtrinsic } from '../extrinsic-check';
import { assembleExtrinsic } from '../signing-payload';
import { TERMINAL, type TxRecord } from '../tx-tracker';

const HEARTBEAT_MS = 15_000;

export async function postExtrinsic(ctx: WalletApiContext, req: Request, res: Response): Promise<void> {
  const body = readBody(req, 'POST /extrinsics', ['extrinsic', 'payload', 'signature']);
  const hex = body.extrinsic !== undefined ? signedHexOf(body) : assembled(ctx, body);
  const checked = await checkExtrinsic(ctx.actions, ctx.spaces, hex, body.extrinsic !== undefined ? 'extrinsic' : 'signature');
  const { record, duplicate } = await ctx.tracker.submit(checked);
  const base = req.baseUrl;
  res.status(duplicate ? 200 : 202).location(`${base}/extrinsics/${record.hash}`).json(withLinks(base, record));
}

function signedHexOf(body: Readonly<Record<string, unknown>>): unknown {
  if (body.payload !== undefined || body.signature !== undefined) {
    throw invalidField('extrinsic', 'send either extrinsic (a signed extrinsic as hex) or payload and signature (what the wallet signed and its answer), not both');
  }
  return body.extrinsic;
}

function assembled(ctx: WalletApiContext, body: Readonly<Record<string, unknown>>): string {
  const { payload, signature } = body;
  if (payload === undefined && signature === undefined) throw invalidField('extrinsic', 'the body is empty: send extrinsic (a signed extrinsic as hex), or payload (from POST /calls/{action}) with the wallet\'s signature');
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalidField('payload', 'payload must be the object from POST /calls/{action}, unchanged');
  if (typeof signature !== 'string' || !/^0x(?:[0-9a-fA-F]{2})+$/.test(signature)) throw invalidField('signature', 'signature must be the 0x-prefixed hex the wallet\'s signPayload returned');
  const json = payload as Partial<SignerPayloadJSON>;
  for (const field of ['address', 'method', 'era', 'nonce', 'genesisHash', 'blockHash', 'specVersion', 'transactionVersion'] as const) {
    if (typeof json[field] !== 'string') throw invalidField('payload', `payload.${field} is missing or not a string: send the payload from POST /calls/{action} unchanged`);
  }
  if (json.genesisHash !== ctx.actions.api.genesisHash.toHex()) throw invalidField('payload', `payload.genesisHash ${json.genesisHash} is another chain's: build the call again with this API`);
  try {
    return assembleExtrinsic(ctx.actions.api, json as SignerPayloadJSON, signature as `0x${string}`);
  } catch (error) {
    throw invalidField('payload', `the payload and signature do not make an extrinsic (${String((error as Error).message).split('\n')[0]}): send the payload from POST /calls/{action} unchanged with the wallet's signature`);
  }
}

function withLinks(base: string, record: TxRecord) {
  return { ...record, links: { status: `${base}/extrinsics/${record.hash}`, events: `${base}/extrinsics/${record.hash}/events` } };
}

function knownRecord(ctx: WalletApiContext, req: Request): TxRecord {
  const hash = req.params.hash;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) throw invalidField('hash', `"${hash}" is not a transaction hash: give the 0x-prefixed 32-byte hash POST /extrinsics returned`);
  const record = ctx.tracker.get(hash);
  if (!record) throw new ApiError(404, 'NOT_FOUND', `no transaction ${hash} was submitted through this API in the last hour: submit it with POST /extrinsics`, 'hash');
  return record;
}

export function getExtrinsic(ctx: WalletApiContext, req: Request, res: Response): void {
  res.json(withLinks(req.baseUrl, knownRecord(ctx, req)));
}

/** One `status` event per change, ending after finalized or failed. */
export function streamExtrinsic(ctx: WalletApiContext, req: Request, res: Response): void {
  const record = knownRecord(ctx, req);
  const ip = requestClientKey(req);
  const full = ctx.streams.slots.take(ip);
  if (full) {
    res.setHeader('Retry-After', '10');
    throw new ApiError(
      429,
      'RATE_LIMITED',
      full === 'key'
        ? `${ip} already has ${ctx.streams.perIp} progress streams open, the most allowed from one client (an IPv4 address or an IPv6 /64): close one (the page needs one at a time), or poll ${req.baseUrl}/extrinsics/${record.hash} instead`
        : `this gateway has ${ctx.streams.total} progress streams open, the most it allows: poll ${req.baseUrl}/extrinsics/${record.hash} instead, or retry in a minute`,
      'hash',
    );
  }
  res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  let closed = false;
  const send = (current: TxRecord) => {
    if (closed) return;
    res.write(`event: status\nid: ${current.history.length}\ndata: ${JSON.stringify(current)}\n\n`);
    if (TERMINAL.includes(current.status)) close();
  };
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const unlisten = ctx.tracker.listen(record.hash, send);
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unlisten();
    ctx.streams.slots.release(ip);
    res.end();
  };
  res.on('close', close);
  send(record);
}
