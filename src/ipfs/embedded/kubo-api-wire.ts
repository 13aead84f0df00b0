// How Kubo's RPC API speaks (go-ipfs-cmds): query options, JSON answers, and errors as
// `{"Message","Code","Type":"error"}` with status 500 (Code 0) or 400 for bad input (Code 1).
import type { ServerResponse } from 'node:http';
import { BlobNotFoundError, BlobStoreUnavailableError, InvalidCidError } from '../errors';

export class KuboApiError extends Error {
  constructor(message: string, readonly status: 400 | 500 = 500) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Kubo's error body; messages keep Kubo's wording where a client might match on it. */
export function sendError(res: ServerResponse, error: unknown): void {
  const { status, message } = describe(error);
  const text = `${JSON.stringify({ Message: message, Code: status === 400 ? 1 : 0, Type: 'error' })}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function describe(error: unknown): { status: number; message: string } {
  if (error instanceof KuboApiError) return { status: error.status, message: error.message };
  if (error instanceof BlobNotFoundError) {
    // Kubo's offline wording: "not found" is what clients (and our Kubo store) look for.
    return { status: 500, message: `block was not found locally (offline): ipld: could not find ${error.cid}` };
  }
  if (error instanceof InvalidCidError) return { status: 500, message: `invalid path: ${error.message}` };
  if (error instanceof BlobStoreUnavailableError) return { status: 500, message: error.message };
  return { status: 500, message: (error as Error)?.message ?? String(error) };
}

/** Kubo's `--opt=value` query options. */
export class Options {
  constructor(readonly params: URLSearchParams) {}

  args(): string[] {
    return this.params.getAll('arg');
  }

  /** The one required argument, like go-ipfs-cmds: 400 when missing. */
  arg(name: string): string {
    const [value] = this.args();
    if (value === undefined) throw new KuboApiError(`argument "${name}" is required`, 400);
    return value;
  }

  /** strconv.ParseBool's spellings; a bare `?flag` means true. */
  bool(name: string, fallback: boolean): boolean {
    const value = this.params.get(name);
    if (value === null) return fallback;
    if (['', '1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
    if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
    throw new KuboApiError(`could not convert value "${value}" to type "bool" (for option "-${name}")`, 400);
  }

  int(name: string): number | undefined {
    const value = this.params.get(name);
    if (value === null) return undefined;
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new KuboApiError(`could not convert value "${value}" to type "int64" (for option "-${name}")`, 400);
    }
    return Number(value);
  }

  string(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }
}

/**
 * The CID in an `arg`: `<cid>` or `/ipfs/<cid>`. Paths into directories are refused: blobs are
 * single files.
 */
export function cidOfPath(path: string, { requireIpfsPrefix = false } = {}): string {
  const match = /^\/ipfs\/([^/]+)\/?$/.exec(path);
  if (match) return match[1];
  if (requireIpfsPrefix || path.includes('/')) {
    throw new KuboApiError(`invalid path "${path}": the embedded IPFS store serves /ipfs/<cid> of single files only (no MFS, no paths inside directories)`);
  }
  return path;
}
