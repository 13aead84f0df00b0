// POST /api/v0/cat over node:http (kubo-http.ts). Every cold read of a gateway that shares an
// IPFS node goes through here, and kubo-rpc-client's path (fetch, then an async iterator per
// chunk) delivered a third less than the node sends. The answer streams with backpressure; a
// failure Kubo reports in its X-Stream-Error trailer, or an answer shorter than asked for, fails
// the stream at its end rather than ending it as if complete.
import { type Readable, Transform } from 'node:stream';
import { KuboHttpError, kuboRequest, readAnswer, responseOf } from './kubo-http';

export interface CatOptions {
  readonly offset: number;
  readonly length: number;
  readonly signal?: AbortSignal;
  /** Kubo's `offline`: only what the node holds, never a search of the IPFS network. */
  readonly offline?: boolean;
  /** Turns a failure while streaming into the store's typed error. */
  readonly mapError: (error: unknown) => unknown;
}

/** `apiBase` is the RPC root, e.g. `http://127.0.0.1:5001/api/v0`. Rejects when Kubo refuses. */
export async function kuboCat(apiBase: string, cid: string, options: CatOptions): Promise<Readable> {
  const params = new URLSearchParams({ arg: cid, offset: String(options.offset), length: String(options.length) });
  if (options.offline) params.set('offline', 'true');
  const request = kuboRequest(apiBase, 'cat', params, { signal: options.signal });
  request.end();
  const response = await responseOf(request);
  if (response.statusCode !== 200) throw KuboHttpError.of(await readAnswer(response, 'cat'), response.statusCode);
  let received = 0;
  const checked = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.byteLength;
      done(null, chunk);
    },
    flush(done) {
      const streamError = response.trailers['x-stream-error'];
      if (streamError) return done(options.mapError(new KuboHttpError(streamError, { status: 500 })) as Error);
      if (received !== options.length) {
        return done(options.mapError(new KuboHttpError(`cat of ${cid} ended after ${received} of ${options.length} bytes`, { status: 500 })) as Error);
      }
      done();
    },
  });
  response.on('error', (error) => checked.destroy(options.mapError(error) as Error));
  // A reader that stops early ends the HTTP answer too.
  checked.on('close', () => {
    if (!response.complete) response.destroy();
  });
  return response.pipe(checked);
}
