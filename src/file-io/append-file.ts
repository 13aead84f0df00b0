// A new file written front to back in large pieces, one write in flight while the next piece
// fills: a leaf file assembled from a peer's blocks, the blob cache's copy of a cold read.
//
// The full pieces bypass the page cache (O_DIRECT) where the filesystem allows it. Such a file is
// written once on a pull's path and read later, if ever, and taking fresh pages for it is what
// the write costs: on a virtual machine that hands freed memory back to its host, 1 GiB written
// through the page cache cost 2.0 s of CPU and direct 0.1 s, on a disk that took it at 1.3 GB/s.
// A later read fills the page cache as any read of a file not read lately does. The last piece
// (any length) and every piece on a filesystem without O_DIRECT (tmpfs) go through the page
// cache as before.
import { constants } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { ALIGNED_BUFFER_BYTES, DIRECT_IO_ALIGNMENT, isAligned, returnAlignedBuffer, takeAlignedBuffer } from './aligned-buffers';

/** Whether the platform has O_DIRECT at all (Linux does; macOS does not). */
const O_DIRECT: number | undefined = (constants as Record<string, number>).O_DIRECT;

export class AppendFile {
  readonly path: string;
  readonly #handle: FileHandle;
  /** A second handle on the same file, with O_DIRECT, while direct writes are possible. */
  #direct: FileHandle | undefined;
  /** The piece being filled, and the one being written (reused once that write is done). */
  #buffer: Buffer;
  #spare: Buffer | undefined;
  /** Whether the buffers are aligned ones (given back at close); plain ones mean no direct writes. */
  readonly #aligned: boolean;
  #buffered = 0;
  /** Bytes handed to writes so far (in flight or done). */
  #handed = 0;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(path: string, handle: FileHandle, direct: FileHandle | undefined) {
    this.path = path;
    this.#handle = handle;
    const aligned = direct ? takeAlignedBuffer() : undefined;
    this.#aligned = aligned !== undefined;
    this.#direct = aligned ? direct : undefined;
    if (direct && !aligned) void direct.close().catch(() => undefined);
    this.#buffer = aligned ?? Buffer.allocUnsafe(ALIGNED_BUFFER_BYTES);
  }

  /** Creates `path`, which must not exist. */
  static async create(path: string): Promise<AppendFile> {
    // Read and write: reads back (readAt) go through this handle, never through the path again.
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL);
    let direct: FileHandle | undefined;
    if (O_DIRECT !== undefined) direct = await openSameFile(handle, path, constants.O_WRONLY | O_DIRECT).catch(() => undefined);
    return new AppendFile(path, handle, direct);
  }

  /** Bytes appended so far, written or not. */
  get length(): number {
    return this.#handed + this.#buffered;
  }

  async append(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.byteLength;) {
      const copied = Math.min(bytes.byteLength - at, this.#buffer.length - this.#buffered);
      this.#buffer.set(bytes.subarray(at, at + copied), this.#buffered);
      this.#buffered += copied;
      at += copied;
      if (this.#buffered === this.#buffer.length) await this.#flush();
    }
  }

  /** A stream that appends what is written to it and finishes the file at its end. */
  writable(): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => void this.append(chunk).then(() => done(), done),
      final: (done) => void this.finish().then(() => done(), done),
    });
  }

  /** `size` bytes at `offset` (within length), read back from the file. */
  async readAt(offset: number, size: number): Promise<Buffer> {
    if (offset + size > this.#handed) await this.#flush();
    await this.#writing;
    if (this.#closed) throw new Error(`${this.path} is closed: it cannot be read back through this AppendFile`);
    const bytes = Buffer.allocUnsafe(size);
    const { bytesRead } = await this.#handle.read(bytes, 0, size, offset);
    if (bytesRead !== size) throw new Error(`${this.path} is shorter than the ${offset + size} bytes written to it`);
    return bytes;
  }

  /** Writes what is buffered and closes the file, which stays. */
  async finish(): Promise<void> {
    await this.#flush();
    await this.#writing;
    await this.#close();
  }

  /** Closes and deletes the file, whatever state it is in. */
  async discard(): Promise<void> {
    await this.#writing.catch(() => undefined);
    await this.#close().catch(() => undefined);
    await unlink(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  async #flush(): Promise<void> {
    // One write at a time: the previous one must be done before its buffer is filled again.
    await this.#writing;
    if (this.#buffered === 0) return;
    const full = this.#buffer;
    const size = this.#buffered;
    const at = this.#handed;
    this.#buffer = this.#spare ?? (this.#aligned ? takeAlignedBuffer() : undefined) ?? Buffer.allocUnsafe(ALIGNED_BUFFER_BYTES);
    this.#spare = full;
    this.#buffered = 0;
    this.#handed += size;
    this.#writing = this.#write(full.subarray(0, size), at);
    // A failure surfaces at the next flush, read or finish; none is left unhandled meanwhile.
    this.#writing.catch(() => undefined);
  }

  async #write(bytes: Buffer, position: number): Promise<void> {
    const direct = this.#direct;
    const whole = bytes.byteLength % DIRECT_IO_ALIGNMENT === 0 && position % DIRECT_IO_ALIGNMENT === 0;
    if (direct && whole && isAligned(bytes)) {
      try {
        return await writeAll(direct, bytes, position);
      } catch (error) {
        // A filesystem that opened with O_DIRECT but refuses its writes (EINVAL): the page cache
        // takes this piece and the rest. Anything else (ENOSPC, EIO) is the file's failure.
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
        this.#direct = undefined;
        await direct.close().catch(() => undefined);
      }
    }
    await writeAll(this.#handle, bytes, position);
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const buffer of [this.#buffer, this.#spare]) if (buffer && this.#aligned) returnAlignedBuffer(buffer);
    this.#spare = undefined;
    const direct = this.#direct;
    this.#direct = undefined;
    await direct?.close().catch(() => undefined);
    await this.#handle.close();
  }
}

/**
 * A second handle, with other flags, on the file `handle` has open at `path`; it fails if the path
 * names another file by now. Between the exclusive create and this open,
 * whoever can write the directory (a shared download folder without the sticky bit) could rename
 * the new file away and put a symlink, or a hard link to a file of the user's, in its place;
 * writing through that handle would overwrite their target. A symlink is not followed
 * (O_NOFOLLOW), and the file opened must be the very one created (same device and inode).
 */
export async function openSameFile(handle: FileHandle, path: string, flags: number): Promise<FileHandle> {
  const other = await open(path, flags | (constants.O_NOFOLLOW ?? 0));
  try {
    const [created, opened] = await Promise.all([handle.stat({ bigint: true }), other.stat({ bigint: true })]);
    if (created.dev === opened.dev && created.ino === opened.ino) return other;
  } catch (error) {
    await other.close().catch(() => undefined);
    throw error;
  }
  await other.close().catch(() => undefined);
  throw Object.assign(new Error(`${path} is no longer the file that was created there: it was replaced`), { code: 'ESTALE' });
}

async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let at = 0; at < bytes.byteLength;) {
    const { bytesWritten } = await handle.write(bytes, at, bytes.byteLength - at, position + at);
    if (bytesWritten === 0) throw new Error('the file took no bytes');
    at += bytesWritten;
  }
}
