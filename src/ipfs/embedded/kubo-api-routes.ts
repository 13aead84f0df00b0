// The Kubo RPC commands the embedded store answers, with Kubo's request options and JSON shapes.
// Kubo's `offline` and `timeout` options are accepted and ignored: everything here is local.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sendFileRange } from '../../file-io/send-file';
import { addFiles } from './kubo-api-add';
import { dagImport } from './kubo-api-dag-import';
import type { EmbeddedBlobStore } from './embedded-store';
import { FileDag } from './file-dag';
import { cidOfPath, KuboApiError, type Options, sendJson } from './kubo-api-wire';

export type KuboCommand = (req: IncomingMessage, res: ServerResponse, store: EmbeddedBlobStore, options: Options) => Promise<void>;

/** Stable for the process: what `version` reports. */
const VERSION = { Version: '0.0.0-hcr-embedded', Commit: '', Repo: '', System: `${process.arch}/${process.platform}`, Golang: '' };

async function cat(_req: IncomingMessage, res: ServerResponse, store: EmbeddedBlobStore, options: Options): Promise<void> {
  const path = options.arg('ipfs-path');
  const offset = options.int('offset') ?? 0;
  const length = options.int('length');
  if (offset < 0) throw new KuboApiError('cannot specify negative offset', 400);
  if (length !== undefined && length < 0) throw new KuboApiError('cannot specify negative length', 400);
  const { root, node } = await store.resolve(cidOfPath(path));
  const size = FileDag.size(node);
  if (offset > size) throw new KuboApiError(`offset was past the end of file (${offset} > ${size})`);
  const end = length === undefined ? size : Math.min(size, offset + length);
  res.writeHead(200, {
    'Content-Type': 'text/plain',
    'X-Stream-Output': '1',
    'X-Content-Length': String(end - offset),
    Trailer: 'X-Stream-Error',
  });
  // A failure mid-way destroys the response, so the client sees a broken body, never a short one.
  // A file kept as its leaves (every upload through a gateway) is sent from that file through a
  // few reused buffers: through the generator below it went out at about 370 MB/s on loopback,
  // this way at about 2 GB/s, and every cold read of a gateway sharing this store waits on it.
  const file = await store.openLeafFile(root, node);
  if (file) {
    try {
      await sendFileRange(res, file, offset, end - offset);
    } catch {
      res.destroy();
    } finally {
      await file.close();
    }
    return;
  }
  await pipeline(Readable.from(store.read(root, node, offset, end), { objectMode: false }), res).catch(() => res.destroy());
}

async function filesStat(_req: IncomingMessage, res: ServerResponse, store: EmbeddedBlobStore, options: Options): Promise<void> {
  const { root, node } = await store.resolve(cidOfPath(options.arg('path'), { requireIpfsPrefix: true }));
  const withLocal = options.bool('with-local', false);
  sendJson(res, {
    Hash: root.toString(),
    Size: FileDag.size(node),
    CumulativeSize: FileDag.cumulativeSize(node),
    Blocks: node.kind === 'raw' ? 0 : node.links.length,
    Type: 'file',
    WithLocality: withLocal,
    ...(withLocal ? { Local: await store.isComplete(root) } : {}),
  });
}

/** pin/add and pin/rm take one or more paths, and recursive pins only. */
function checkPinArguments(options: Options): void {
  options.arg('ipfs-path');
  if (!options.bool('recursive', true)) {
    throw new KuboApiError('the embedded IPFS store keeps recursive pins only: leave recursive at its default, true');
  }
}

async function pinAdd(_req: IncomingMessage, res: ServerResponse, store: EmbeddedBlobStore, options: Options): Promise<void> {
  checkPinArguments(options);
  const pins: string[] = [];
  for (const path of options.args()) {
    const { root } = await store.resolve(cidOfPath(path));
    await store.pin(root.toString());
    pins.push(root.toString());
  }
  sendJson(res, { Pins: pins });
}

async function pinRm(_req: IncomingMessage, res: ServerResponse, store: EmbeddedBlobStore, options: Options): Promise<void> {
  checkPinArguments(options);
  const pins: string[] = [];
  for (const path of options.args()) {
    const root = (await store.resolve(cidOfPath(path))).root.toString();
    // As Kubo: removing a pin that is not there is an error.
    if (!(await store.isPinned(root))) throw new KuboApiError(`${path} is not pinned or pinned indirectly`);
    await store.unpin(root);
    pins.push(root);
  }
  sendJson(res, { Pins: pins });
}

async function pinLs(_req: IncomingMessage, res: ServerResponse, store: EmbeddedBlobStore, options: Options): Promise<void> {
  const type = options.string('type') ?? 'all';
  if (!['all', 'recursive', 'direct', 'indirect'].includes(type)) {
    throw new KuboApiError(`invalid type '${type}', must be one of {direct, indirect, recursive, all}`, 400);
  }
  const recursive = type === 'all' || type === 'recursive' ? await store.pins() : [];
  let pins = recursive;
  if (options.args().length > 0) {
    pins = [];
    for (const path of options.args()) {
      const { root } = await store.resolve(cidOfPath(path));
      if (!recursive.includes(root.toString())) throw new KuboApiError(`path '${path}' is not pinned`);
      pins.push(root.toString());
    }
  }
  if (options.bool('stream', false)) {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Chunked-Output': '1' });
    for (const cid of pins) res.write(`${JSON.stringify({ Cid: cid, Name: '', Type: 'recursive' })}\n`);
    res.end();
    return;
  }
  sendJson(res, { Keys: Object.fromEntries(pins.map((cid) => [cid, { Name: '', Type: 'recursive' }])) });
}

/**
 * repo/gc: deletes every block no pin reaches (blocks of adds still in progress are kept), one
 * `{"Key":{"/":cid}}` line per deleted block, as Kubo streams it; `quiet` leaves the lines out.
 */
async function repoGc(_req: IncomingMessage, res: ServerResponse, store: EmbeddedBlobStore, options: Options): Promise<void> {
  const quiet = options.bool('quiet', false);
  res.writeHead(200, { 'Content-Type': 'application/json', 'X-Chunked-Output': '1' });
  try {
    await store.collectGarbage(Date.now(), quiet ? undefined : (cid) => res.write(`${JSON.stringify({ Key: { '/': cid } })}\n`));
  } catch (error) {
    // The status line is gone; Kubo reports a failure mid-stream as an Error line.
    res.write(`${JSON.stringify({ Error: (error as Error).message })}\n`);
  }
  res.end();
}

/** block/get: one block's bytes (a raw leaf kept in a file of leaves is found once a node above it was read). */
async function blockGet(_req: IncomingMessage, res: ServerResponse, store: EmbeddedBlobStore, options: Options): Promise<void> {
  const bytes = await store.getBlock(cidOfPath(options.arg('cid')));
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(bytes.byteLength), 'X-Stream-Output': '1' });
  res.end(bytes);
}

async function version(_req: IncomingMessage, res: ServerResponse, store: EmbeddedBlobStore): Promise<void> {
  await store.ping();
  sendJson(res, VERSION);
}

/** Command path (after /api/v0/) → handler. */
export const KUBO_COMMANDS: Readonly<Record<string, KuboCommand>> = {
  add: addFiles,
  cat,
  'block/get': blockGet,
  'dag/import': dagImport,
  'files/stat': filesStat,
  'pin/add': pinAdd,
  'pin/ls': pinLs,
  'pin/rm': pinRm,
  'repo/gc': repoGc,
  version,
};
