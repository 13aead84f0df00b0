// The state thread itself: prepares batches (src/processor/state/prepare-batch.ts) and keeps the
// entity cache between them. Started by state-thread.ts.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { EntityCache } from '../state/entity-cache';
import { prepareBatch } from '../state/prepare-batch';
import type { WriteSpecs } from '../state/write-specs';
import type { FromStateThread, StateThreadData, ToStateThread } from './messages';
import { remoteReader } from './remote-reader';

function serve(data: StateThreadData): void {
  const port = parentPort!;
  const send = (message: FromStateThread) => port.postMessage(message);
  const cache = new EntityCache(data.cacheEntries);
  let specs: WriteSpecs | undefined;
  let nextRead = 0;
  const reads = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const reader = remoteReader((call, args) => new Promise((resolve, reject) => {
    const id = nextRead++;
    reads.set(id, { resolve, reject });
    send({ type: 'read', id, call, args });
  }));

  port.on('message', (message: ToStateThread) => {
    switch (message.type) {
      case 'prepare': {
        if (message.specs) specs = message.specs;
        const { id } = message;
        if (!specs) {
          send({ type: 'failed', id, message: 'the state thread was asked to prepare a batch before it was given the write statements' });
          break;
        }
        prepareBatch(message.input, reader, cache, specs, () => send({ type: 'loaded', id })).then(
          // The column arrays' memory moves to the main thread instead of being copied.
          (result) => port.postMessage({ type: 'prepared', id, result } satisfies FromStateThread, result.writes.flatMap((write) => write.chunks.flat().map((column) => column.buffer as ArrayBuffer))),
          (error: Error) => send({ type: 'failed', id, message: error.message }),
        );
        break;
      }
      case 'read-result':
      case 'read-failed': {
        const read = reads.get(message.id);
        reads.delete(message.id);
        if (message.type === 'read-result') read?.resolve(message.value);
        else read?.reject(new Error(message.message));
        break;
      }
    }
  });
}

if (!isMainThread && (workerData as StateThreadData | undefined)?.role === 'hcr-processor-state') serve(workerData as StateThreadData);
