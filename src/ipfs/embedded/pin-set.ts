// Recursive pins of the embedded store: one empty file per pinned CID, named by the CID.
// A file per pin (rather than one list) needs no lock: concurrent pins from several requests,
// or two processes on the same data dir, cannot lose each other's writes.
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const CID_FILE = /^b[a-z2-7]+$/;

export class PinSet {
  readonly #dir: string;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  static async open(dir: string): Promise<PinSet> {
    await mkdir(dir, { recursive: true });
    return new PinSet(dir);
  }

  /** `cid` is a CIDv1 base32 string (the caller normalises it). */
  async add(cid: string): Promise<void> {
    await writeFile(join(this.#dir, this.#name(cid)), '');
  }

  async remove(cid: string): Promise<void> {
    await rm(join(this.#dir, this.#name(cid)), { force: true });
  }

  async has(cid: string): Promise<boolean> {
    try {
      await stat(join(this.#dir, this.#name(cid)));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** Every pinned CID, in no particular order. */
  async list(): Promise<string[]> {
    return (await readdir(this.#dir)).filter((name) => CID_FILE.test(name));
  }

  #name(cid: string): string {
    // Guards the path join: only base32 CIDv1 text may become a file name.
    if (!CID_FILE.test(cid)) throw new Error(`pin key must be a base32 CIDv1, got ${cid}`);
    return cid;
  }
}
