// Persistence of the dev chain in its data dir: an append-only log of blocks (header, body,
// timestamp and storage diff) and head changes. Replaying it restores every branch with its
// state; a line cut short by a crash is dropped and the file trimmed back to whole lines.
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import type { BlockRecord, HeaderJson } from '../execution/block-builder';

type LogLine =
  | { type: 'genesis'; hash: string; specVersion: number }
  | { type: 'block'; hash: string; number: number; parentHash: string; header: HeaderJson; extrinsics: string[]; timestamp: string; diff: [string, string | null][] }
  | { type: 'head'; best: string; finalized: string };

export interface LoadedChain {
  genesisHash?: string;
  specVersion?: number;
  blocks: Omit<BlockRecord, 'state'>[];
  best?: string;
  finalized?: string;
}

export class ChainLog {
  readonly path: string;
  #fd: number | undefined;

  constructor(dataDir: string) {
    const dir = join(dataDir, 'chain');
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, 'blocks.jsonl');
  }

  load(): LoadedChain {
    const loaded: LoadedChain = { blocks: [] };
    if (!existsSync(this.path)) return loaded;
    const text = readFileSync(this.path, 'utf8');
    let goodLength = 0;
    for (const line of text.split('\n')) {
      if (goodLength + line.length + 1 > text.length) break; // no newline yet: cut short
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        break;
      }
      goodLength += line.length + 1;
      if (parsed.type === 'genesis') Object.assign(loaded, { genesisHash: parsed.hash, specVersion: parsed.specVersion });
      else if (parsed.type === 'head') Object.assign(loaded, { best: parsed.best, finalized: parsed.finalized });
      else
        loaded.blocks.push({
          hash: parsed.hash,
          number: parsed.number,
          parentHash: parsed.parentHash,
          header: parsed.header,
          extrinsics: parsed.extrinsics.map((x) => hexToU8a(x)),
          timestamp: BigInt(parsed.timestamp),
          diff: parsed.diff.map(([k, v]) => [k, v === null ? null : hexToU8a(v)]),
        });
    }
    if (goodLength < text.length) {
      const fd = openSync(this.path, 'r+');
      ftruncateSync(fd, goodLength);
      closeSync(fd);
    }
    return loaded;
  }

  writeGenesis(hash: string, specVersion: number): void {
    this.#write({ type: 'genesis', hash, specVersion });
  }

  writeBlock(block: BlockRecord): void {
    this.#write({
      type: 'block',
      hash: block.hash,
      number: block.number,
      parentHash: block.parentHash,
      header: block.header,
      extrinsics: block.extrinsics.map((x) => u8aToHex(x)),
      timestamp: block.timestamp.toString(),
      diff: block.diff.map(([k, v]) => [k, v === null ? null : u8aToHex(v)]),
    });
  }

  writeHead(best: string, finalized: string): void {
    this.#write({ type: 'head', best, finalized });
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #write(line: LogLine): void {
    this.#fd ??= openSync(this.path, 'a');
    writeSync(this.#fd, JSON.stringify(line) + '\n');
  }
}
