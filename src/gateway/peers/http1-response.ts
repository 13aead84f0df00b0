// An HTTP/1.1 response read from the bytes a socket delivers, piece by piece. The body comes out
// as views of the pieces it was fed, never copies: a peer's CAR is read into large buffers
// (plain-http-get.ts) and a block that arrived in one of them goes on as a view of it, so a cold
// read does not allocate (and then collect) every byte twice. Only the head and the chunked
// framing's size lines are decoded; everything the peer sends is untrusted and bounded.
import { PeerFormatError } from './format-error';

/** The longest response head read: status line and headers. */
const MAX_HEAD_BYTES = 64 * 1024;
/** The longest chunk-size line (with extensions) or trailer line of a chunked body. */
const MAX_FRAMING_LINE_BYTES = 4 * 1024;

export class HttpFormatError extends PeerFormatError {
  override readonly name = 'HttpFormatError';
}

export interface ResponseHead {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", " (as node:http does). */
  readonly headers: Record<string, string>;
}

export interface ResponseEvents {
  head(head: ResponseHead): void;
  body(bytes: Uint8Array): void;
  /** The body's last byte came (by its length or chunked framing). */
  end(): void;
}

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' } | { kind: 'none' };

type ChunkState = 'size' | 'data' | 'data-end' | 'trailer';

/**
 * Feeds a response in, byte pieces in order, and tells `events` of its head, body pieces and end.
 * `closed()` says the connection ended: the end of a body read until close, or a cut one.
 */
export class Http1Response {
  readonly #events: ResponseEvents;
  #phase: 'head' | 'body' | 'done' = 'head';
  /** Head bytes (or a framing line) read so far, kept as text: they are a few KiB at most. */
  #line = '';
  #framing: Framing = { kind: 'none' };
  #chunk: ChunkState = 'size';
  #chunkLeft = 0;

  constructor(events: ResponseEvents) {
    this.#events = events;
  }

  get done(): boolean {
    return this.#phase === 'done';
  }

  feed(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.byteLength && this.#phase !== 'done') {
      at = this.#phase === 'head' ? this.#readHead(bytes, at) : this.#readBody(bytes, at);
    }
    // Bytes after the answer's end (the request asked the peer to close) are not read.
  }

  /** The connection ended. Throws when the answer was not complete. */
  closed(): void {
    if (this.#phase === 'done') return;
    if (this.#phase === 'body' && this.#framing.kind === 'close') {
      this.#finish();
      return;
    }
    throw new HttpFormatError(this.#phase === 'head' ? 'the connection closed before a whole answer head came' : 'the answer was cut off before its end', { truncated: true });
  }

  #readHead(bytes: Uint8Array, at: number): number {
    const end = indexOfHeadEnd(bytes, at, this.#line);
    const upTo = end === -1 ? bytes.byteLength : end;
    if (this.#line.length + (upTo - at) > MAX_HEAD_BYTES) throw new HttpFormatError(`the answer's head runs past ${MAX_HEAD_BYTES} bytes`);
    this.#line += latin1(bytes, at, upTo);
    if (end === -1) return bytes.byteLength;
    const head = parseHead(this.#line);
    this.#line = '';
    // An informational answer (100 Continue and the like) is followed by the real one.
    if (head.status >= 100 && head.status < 200) return end;
    this.#framing = framingOf(head);
    this.#phase = 'body';
    this.#events.head(head);
    if (this.#framing.kind === 'none' || (this.#framing.kind === 'length' && this.#framing.left === 0)) this.#finish();
    return end;
  }

  #readBody(bytes: Uint8Array, at: number): number {
    const framing = this.#framing;
    if (framing.kind === 'close') {
      this.#events.body(bytes.subarray(at));
      return bytes.byteLength;
    }
    if (framing.kind === 'length') {
      const take = Math.min(framing.left, bytes.byteLength - at);
      framing.left -= take;
      this.#events.body(bytes.subarray(at, at + take));
      if (framing.left === 0) this.#finish();
      return at + take;
    }
    return this.#readChunked(bytes, at);
  }

  #readChunked(bytes: Uint8Array, at: number): number {
    if (this.#chunk === 'data') {
      const take = Math.min(this.#chunkLeft, bytes.byteLength - at);
      this.#chunkLeft -= take;
      this.#events.body(bytes.subarray(at, at + take));
      if (this.#chunkLeft === 0) this.#chunk = 'data-end';
      return at + take;
    }
    const newline = bytes.indexOf(0x0a, at);
    const upTo = newline === -1 ? bytes.byteLength : newline;
    if (this.#line.length + (upTo - at) > MAX_FRAMING_LINE_BYTES) throw new HttpFormatError('a line of the chunked framing is too long to be one');
    this.#line += latin1(bytes, at, upTo);
    if (newline === -1) return bytes.byteLength;
    const line = this.#line.endsWith('\r') ? this.#line.slice(0, -1) : this.#line;
    this.#line = '';
    if (this.#chunk === 'data-end') {
      if (line !== '') throw new HttpFormatError('a chunk of the answer runs past its stated size');
      this.#chunk = 'size';
    } else if (this.#chunk === 'size') {
      const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
      if (!size) throw new HttpFormatError(`"${line.slice(0, 40)}" is not a chunk size`);
      this.#chunkLeft = Number.parseInt(size[1], 16);
      this.#chunk = this.#chunkLeft === 0 ? 'trailer' : 'data';
    } else if (line === '') {
      this.#finish();
    }
    return newline + 1;
  }

  #finish(): void {
    this.#phase = 'done';
    this.#events.end();
  }
}

/** Where the head ends (the index after its blank line), or -1; `before` is the head read so far. */
function indexOfHeadEnd(bytes: Uint8Array, at: number, before: string): number {
  for (let i = at; i < bytes.byteLength; i++) {
    if (bytes[i] !== 0x0a) continue;
    // "\n\r\n" or "\n\n" across the pieces read so far and this one.
    const previous = (k: number) => (i - k >= at ? bytes[i - k] : before.charCodeAt(before.length - (k - (i - at))));
    if (previous(1) === 0x0a || (previous(1) === 0x0d && previous(2) === 0x0a)) return i + 1;
  }
  return -1;
}

function parseHead(text: string): ResponseHead {
  const lines = text.split(/\r?\n/);
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]);
  if (!status) throw new HttpFormatError(`"${lines[0].slice(0, 60)}" is not an HTTP/1.1 status line`);
  // No prototype: a peer's header named "constructor" or "__proto__" is a header like any other.
  const headers: Record<string, string> = Object.create(null);
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0 || /\s/.test(line[0])) throw new HttpFormatError(`"${line.slice(0, 60)}" is not a header line`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(status[1]), headers };
}

function framingOf(head: ResponseHead): Framing {
  if (head.status === 204 || head.status === 304) return { kind: 'none' };
  const coding = head.headers['transfer-encoding'];
  if (coding !== undefined) {
    // The last coding decides: chunked is read as such; any other body runs until the close.
    return /(?:^|,)\s*chunked\s*$/i.test(coding) ? { kind: 'chunked' } : { kind: 'close' };
  }
  const length = head.headers['content-length'];
  if (length === undefined) return { kind: 'close' };
  const values = new Set(length.split(',').map((value) => value.trim()));
  const [only] = values;
  if (values.size !== 1 || !/^\d{1,15}$/.test(only)) throw new HttpFormatError(`"Content-Length: ${length.slice(0, 40)}" is not one length`);
  return { kind: 'length', left: Number(only) };
}

function latin1(bytes: Uint8Array, from: number, to: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1');
}
