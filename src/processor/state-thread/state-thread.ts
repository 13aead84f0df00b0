// The main thread's side of the state thread (worker-entry.ts): hands it a batch, answers its
// reads from the batch's transaction, and takes back the serialised writes.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EntityReader } from '../state/entity-reader';
import type { BatchInput, PreparedBatch } from '../state/prepare-batch';
import type { WriteSpecs } from '../state/write-specs';
import type { BatchPreparer } from './batch-preparer';
import type { FromStateThread, StateThreadData, ToStateThread } from './messages';
import { runRead } from './remote-reader';

const ENTRY = path.join(__dirname, 'worker-entry.ts');
// Resolved here: code evaluated in a worker resolves modules from the working directory, which
// need not be the project's.
const TYPESCRIPT_HOOK = require.resolve('tsx/cjs');

interface Pending {
  id: number;
  reader: EntityReader;
  onLoaded?: () => void;
  resolve: (result: PreparedBatch) => void;
  reject: (error: Error) => void;
}

export class StateThread implements BatchPreparer {
  readonly #worker: Worker;
  #pending: Pending | undefined;
  #failure: Error | undefined;
  #specsSent = false;
  #nextId = 0;

  constructor(cacheEntries: number) {
    const data: StateThreadData = { role: 'hcr-processor-state', cacheEntries };
    this.#worker = new Worker(`require(${JSON.stringify(TYPESCRIPT_HOOK)}); require(${JSON.stringify(ENTRY)});`, {
      eval: true,
      workerData: data,
      resourceLimits: youngGeneration(),
    });
    // The processor exits when Subsquid's runner is done; the thread must not keep it alive.
    this.#worker.unref();
    this.#worker.on('message', (message: FromStateThread) => this.#receive(message));
    this.#worker.on('error', (error) => this.#fail(new Error(`the processor's state thread failed: ${error.message}`)));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the processor's state thread exited (code ${code})`)));
  }

  prepare(input: BatchInput, reader: EntityReader, specs: WriteSpecs, onLoaded?: () => void): Promise<PreparedBatch> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#pending) return Promise.reject(new Error('a batch was handed to the state thread while it was preparing another'));
    const id = this.#nextId++;
    return new Promise<PreparedBatch>((resolve, reject) => {
      this.#pending = { id, reader, onLoaded, resolve, reject };
      this.#send({ type: 'prepare', id, input, ...(this.#specsSent ? {} : { specs }) });
      this.#specsSent = true;
    });
  }

  async close(): Promise<void> {
    this.#fail(new Error('the processor\'s state thread was stopped'));
    await this.#worker.terminate();
  }

  #receive(message: FromStateThread): void {
    const pending = this.#pending;
    if (!pending) return;
    switch (message.type) {
      case 'read':
        runRead(pending.reader, message.call, message.args).then(
          (value) => this.#send({ type: 'read-result', id: message.id, value }),
          (error: Error) => this.#send({ type: 'read-failed', id: message.id, message: error.message }),
        );
        break;
      case 'loaded':
        if (message.id === pending.id) pending.onLoaded?.();
        break;
      case 'prepared':
      case 'failed':
        if (message.id !== pending.id) return;
        this.#pending = undefined;
        if (message.type === 'prepared') pending.resolve(message.result);
        else pending.reject(new Error(message.message));
        break;
    }
  }

  #send(message: ToStateThread): void {
    this.#worker.postMessage(message);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(this.#failure);
  }
}

/**
 * The main thread runs with a larger young generation (`--max-semi-space-size`, see
 * src/indexer/processor-process.ts); the state thread makes the same kind of short-lived
 * objects, so it gets the same (V8's young generation is three semi-spaces).
 */
function youngGeneration(): { maxYoungGenerationSizeMb?: number } {
  const flag = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].map((arg) => /^--max-semi-space-size=(\d+)$/.exec(arg)).find(Boolean);
  return flag ? { maxYoungGenerationSizeMb: 3 * Number(flag[1]) } : {};
}
