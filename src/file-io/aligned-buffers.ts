// Buffers whose memory starts on a page boundary, as O_DIRECT writes need (append-file.ts).
// Node cannot say where a Buffer's bytes lie, but a WebAssembly memory is mapped pages of its own:
// its first byte is page-aligned. Buffers are reused: a few are kept once given back, so that
// files written one after another do not each map (and fault in) fresh memory.

/** The size of every aligned buffer: one write of an AppendFile. */
export const ALIGNED_BUFFER_BYTES = 8 * 1024 * 1024;
/** What O_DIRECT asks of addresses, offsets and lengths: a page covers every common block size. */
export const DIRECT_IO_ALIGNMENT = 4096;

const WASM_PAGE_BYTES = 64 * 1024;
/** Buffers kept for reuse once given back; more are left to the garbage collector. */
const KEPT = 4;

/** The one WebAssembly API used, typed here: the project's TypeScript lib has no WebAssembly types. */
const WasmMemory = (globalThis as unknown as { WebAssembly: { Memory: new (size: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer } } }).WebAssembly.Memory;

const free: Buffer[] = [];
const ours = new WeakSet<ArrayBuffer>();

/** An aligned buffer of ALIGNED_BUFFER_BYTES, or undefined when no such memory can be had. */
export function takeAlignedBuffer(): Buffer | undefined {
  const kept = free.pop();
  if (kept) return kept;
  try {
    const pages = ALIGNED_BUFFER_BYTES / WASM_PAGE_BYTES;
    const memory = new WasmMemory({ initial: pages, maximum: pages });
    ours.add(memory.buffer);
    return Buffer.from(memory.buffer, 0, ALIGNED_BUFFER_BYTES);
  } catch {
    // Address space for WebAssembly memories is bounded per process: plain writes then.
    return undefined;
  }
}

/** Whether `bytes` lie in a buffer from takeAlignedBuffer, from an aligned offset of it. */
export function isAligned(bytes: Uint8Array): boolean {
  return ours.has(bytes.buffer as ArrayBuffer) && bytes.byteOffset % DIRECT_IO_ALIGNMENT === 0;
}

/** Gives a buffer from takeAlignedBuffer back for reuse (others are ignored). */
export function returnAlignedBuffer(buffer: Buffer): void {
  if (!ours.has(buffer.buffer as ArrayBuffer) || buffer.byteOffset !== 0 || buffer.length !== ALIGNED_BUFFER_BYTES) return;
  if (free.length < KEPT && !free.includes(buffer)) free.push(buffer);
}
