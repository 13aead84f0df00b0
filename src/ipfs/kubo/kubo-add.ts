// POST /api/v0/add as a streamed multipart upload over node:http (kubo-http.ts), not through
// kubo-rpc-client. kubo-rpc-client uploads through the global fetch, and
// Node's fetch (undici, nodejs/undici#4058) tees a streamed request body to be able to follow
// redirects, keeping every chunk of the upload in memory until the request ends: a 1 GiB layer
// would cost 1 GiB of RAM. node:http streams it with backpressure instead.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { KuboAnswerError, stringField } from './kubo-answer';
import { KuboHttpError, kuboRequest, readAnswer, responseOf } from './kubo-http';

/** What Kubo answers for an added file (`Size` is the DAG's cumulative size, as a string). */
export interface AddedFile {
  readonly Name: string;
  readonly Hash: string;
  readonly Size: string;
}

async function* multipart(source: AsyncIterable<Uint8Array>, boundary: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="blob"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  yield* source;
  yield Buffer.from(`\r\n--${boundary}--\r\n`);
}

/** `apiBase` is the RPC root, e.g. `http://127.0.0.1:5001/api/v0`. */
export async function kuboAdd(apiBase: string, source: AsyncIterable<Uint8Array>, options: Record<string, string>, signal?: AbortSignal): Promise<AddedFile> {
  const boundary = `hcr-${randomUUID()}`;
  const request = kuboRequest(apiBase, 'add', new URLSearchParams(options), { headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` }, signal });
  const answered = responseOf(request);
  answered.catch(() => undefined);

  let uploadError: unknown;
  await pipeline(Readable.from(multipart(source, boundary), { objectMode: false }), request).catch((error) => {
    uploadError = error;
  });
  // A node that refuses the upload may answer and close before reading it all: its answer
  // explains more than the broken pipe does.
  const response = await (uploadError === undefined ? answered : Promise.race([answered, sleep(1_000)]).catch(() => undefined));
  if (!response) throw uploadError;
  const text = await readAnswer(response, 'add');
  if (response.statusCode !== 200) throw KuboHttpError.of(text, response.statusCode);
  const streamError = response.trailers['x-stream-error'];
  if (streamError) throw new KuboHttpError(streamError, { status: 500 });
  if (uploadError !== undefined) throw uploadError;
  const added = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Partial<Record<keyof AddedFile, unknown>> | null)
    .find((entry) => entry?.Hash !== undefined);
  // Not Kubo's answer (another server on the port): reported as such, like text that is no JSON.
  if (!added) throw new KuboAnswerError(`add answered ${text.length} bytes without a \`Hash\` in them`);
  return { Name: String(added.Name ?? ''), Hash: stringField('add', 'Hash', added.Hash), Size: String(added.Size ?? '') };
}

function sleep(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}
