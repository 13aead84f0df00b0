// POST /api/v0/add: a multipart upload, each file streamed into the store as it arrives
// (never buffered), one JSON line per file back, as Kubo answers with stream-channels.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { KUBO_IMPORT } from '../cid';
import type { EmbeddedBlobStore } from './embedded-store';
import { FileDag } from './file-dag';
import { KuboApiError, type Options, sendError } from './kubo-api-wire';

/**
 * Refuses options that would give other CIDs than the store's one import layout, so a client
 * never silently gets a CID that Kubo would not have given it.
 */
function checkImportOptions(options: Options): void {
  const refuse = (what: string, fix: string): never => {
    throw new KuboApiError(`the embedded IPFS store does not support ${what}: ${fix}`);
  };
  if (options.string('cid-version') !== String(KUBO_IMPORT.cidVersion)) {
    refuse(`cid-version=${options.string('cid-version') ?? '0 (the default)'}`, 'pass cid-version=1 (kubo-rpc-client: { cidVersion: 1 })');
  }
  if (!options.bool('raw-leaves', true)) refuse('raw-leaves=false', 'leave raw-leaves at its CIDv1 default, true');
  const chunker = options.string('chunker');
  if (chunker !== undefined && chunker !== KUBO_IMPORT.chunker) refuse(`chunker=${chunker}`, `use chunker=${KUBO_IMPORT.chunker} (Kubo's default)`);
  const hash = options.string('hash');
  if (hash !== undefined && hash !== 'sha2-256') refuse(`hash=${hash}`, 'use hash=sha2-256');
  for (const flag of ['trickle', 'wrap-with-directory', 'only-hash', 'nocopy', 'inline', 'fscache']) {
    if (options.bool(flag, false)) refuse(flag, `leave ${flag} off`);
  }
}

export async function addFiles(req: IncomingMessage, res: ServerResponse, store: EmbeddedBlobStore, options: Options): Promise<void> {
  checkImportOptions(options);
  const pin = options.bool('pin', true);
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, highWaterMark: 1 << 20, fileHwm: 1 << 20 });
  } catch {
    throw new KuboApiError('file argument "path" is required: send the file as multipart/form-data', 400);
  }

  let failure: unknown;
  let added = 0;
  let queue = Promise.resolve();
  const addOne = async (name: string, file: Readable, mimeType: string) => {
    if (failure !== undefined) return void file.resume();
    if (mimeType === 'application/x-directory') {
      throw new KuboApiError('the embedded IPFS store adds single files only, not directories');
    }
    const { cid } = await store.put(file, { pin });
    const { node } = await store.resolve(cid);
    if (!res.headersSent) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Chunked-Output': '1', Trailer: 'X-Stream-Error' });
    }
    // Kubo reports the DAG's cumulative size, as a string.
    res.write(`${JSON.stringify({ Name: name, Hash: cid, Size: String(FileDag.cumulativeSize(node)) })}\n`);
    added++;
  };
  parser.on('file', (_field, file, info) => {
    queue = queue
      .then(() => addOne(decodeName(info.filename), file, info.mimeType))
      .catch((error) => {
        failure ??= error;
        file.resume();
      });
  });

  try {
    await pipeline(req, parser);
  } catch (error) {
    failure ??= new KuboApiError(`the upload ended early (${(error as Error).message}); nothing was added`, 400);
  }
  await queue;
  if (failure === undefined && added === 0) failure = new KuboApiError('file argument "path" is required: the form had no file', 400);

  if (failure === undefined) {
    res.end();
  } else if (!res.headersSent) {
    sendError(res, failure);
  } else {
    res.addTrailers({ 'X-Stream-Error': (failure as Error).message ?? String(failure) });
    res.end();
  }
}

function decodeName(filename: string | undefined): string {
  try {
    return decodeURIComponent(filename ?? '');
  } catch {
    return filename ?? '';
  }
}
