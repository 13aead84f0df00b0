// POST /api/v0/dag/import: a CAR file (multipart, as kubo-rpc-client sends it) whose blocks go
// into the store, each checked against its CID first; with pin-roots (the default) each root is
// pinned once all of its blocks are here. One `{"Root":{"Cid":{"/":…},"PinErrorMsg":…}}` line per
// root, as Kubo answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { CID } from 'multiformats/cid';
import { carModule, ipfsModules } from '../esm';
import type { EmbeddedBlobStore } from './embedded-store';
import { KuboApiError, type Options, sendError } from './kubo-api-wire';

export async function dagImport(req: IncomingMessage, res: ServerResponse, store: EmbeddedBlobStore, options: Options): Promise<void> {
  const pinRoots = options.bool('pin-roots', true);
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, highWaterMark: 1 << 20, fileHwm: 1 << 20 });
  } catch {
    throw new KuboApiError('file argument "path" is required: send the CAR as multipart/form-data', 400);
  }
  const imported = new Promise<CID[]>((resolve, reject) => {
    let seen = false;
    parser.on('file', (_field, file) => {
      if (seen) return void file.resume();
      seen = true;
      importCar(store, file).then(resolve, (error) => {
        file.resume();
        reject(error);
      });
    });
    parser.on('close', () => {
      if (!seen) reject(new KuboApiError('file argument "path" is required: the form had no CAR file', 400));
    });
    parser.on('error', reject);
  });
  req.pipe(parser);
  let roots: CID[];
  try {
    roots = await imported;
  } catch (error) {
    sendError(res, error);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'X-Chunked-Output': '1' });
  for (const root of roots) {
    let pinError = '';
    if (pinRoots) await store.pin(root.toString()).catch((error: Error) => (pinError = error.message));
    res.write(`${JSON.stringify({ Root: { Cid: { '/': root.toString() }, PinErrorMsg: pinError } })}\n`);
  }
  res.end();
}

/** Stores every block of the CAR, refusing (before storing it) any whose bytes are not its CID's. */
async function importCar(store: EmbeddedBlobStore, file: Readable): Promise<CID[]> {
  const [{ CarBlockIterator }, m] = await Promise.all([carModule(), ipfsModules()]);
  let iterator: Awaited<ReturnType<typeof CarBlockIterator.fromIterable>>;
  try {
    iterator = await CarBlockIterator.fromIterable(file);
  } catch (error) {
    throw new KuboApiError(`the upload is not a CAR file (${(error as Error).message})`, 400);
  }
  const roots = await iterator.getRoots();
  await store.putBlockSet(
    (async function* () {
      for await (const block of iterator) {
        const digest = await m.sha256.digest(block.bytes);
        if (block.cid.multihash.code !== m.sha256.code || !m.CID.createV1(block.cid.code, digest).equals(block.cid.toV1())) {
          throw new KuboApiError(`block ${block.cid} in the CAR does not hold the bytes its CID names: nothing more is imported`, 400);
        }
        yield { cid: block.cid, bytes: block.bytes };
      }
    })(),
  );
  return roots;
}
