// Files whose raw leaves the embedded store keeps as the file itself, as Kubo's filestore keeps
// them in the files they were added from, instead of one block file per 256 KiB leaf. Layout:
//   files/<root CID>   exactly the bytes of the UnixFS file with that root
// The DAG's other blocks (the dag-pb nodes, a few per GiB) stay in blocks/. The gateway uses
// this for uploads: the upload file it has written and hashed becomes the leaves, so each
// pushed byte is written once instead of twice (see EmbeddedBlobStore.importLeavesElsewhere).
import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, rename, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

export class LeafFiles {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** CIDs name the files, so a CID's text is a safe file name. */
  path(root: string): string {
    return join(this.dir, root);
  }

  /** The root's file, open for reading, when it is here with `size` bytes; undefined otherwise. */
  async open(root: string, size: number): Promise<FileHandle | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(this.path(root), constants.O_RDONLY);
    } catch {
      return undefined;
    }
    try {
      if ((await handle.stat()).size === size) return handle;
    } catch {
      // treated as absent below
    }
    await handle.close();
    return undefined;
  }

  /** `size` bytes at `offset` of the root's file, or undefined when the file is not here or shorter. */
  async readAt(root: string, offset: number, size: number): Promise<Uint8Array | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(this.path(root), constants.O_RDONLY);
    } catch {
      return undefined;
    }
    try {
      const bytes = Buffer.allocUnsafe(size);
      const { bytesRead } = await handle.read(bytes, 0, size, offset);
      return bytesRead === size ? bytes : undefined;
    } finally {
      await handle.close();
    }
  }

  async has(root: string, size: number): Promise<boolean> {
    const info = await stat(this.path(root)).catch(() => undefined);
    return info?.isFile() === true && info.size === size;
  }

  /**
   * Moves `file` in as the root's leaves (atomically, replacing an equal file that may be there)
   * and marks it as just written, so that a collection elsewhere sees it as recent until pinned.
   */
  async adopt(root: string, file: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    // Touched before the move, so that no collection ever sees it here with an older time.
    const now = new Date();
    await utimes(file, now, now);
    const target = this.path(root);
    await rename(file, target);
    return target;
  }
}
