// One column of a batch's rows as a Postgres array in its binary wire format (what array_send
// writes and array_recv reads), sent as a `$n::type[]` parameter and unnested by the write
// statement (write-specs.ts). Postgres takes each value as it is stored: a timestamp is eight
// bytes, an integer four, text its UTF-8 bytes behind a length. Sent as JSON text instead, every
// value was scanned for JSON syntax and escapes, copied, then parsed again by its type's input
// function (a timestamp's ISO text the most costly), and serialising a Date to JSON costs
// JavaScript a call of its own per value.
//
// The format: a header (dimensions, whether any element is null, the element type's OID, then
// per dimension its length and lower bound), then each element as a 4-byte length (-1 for null)
// followed by its bytes; all integers big-endian.

/** The element types the processor writes, by the Postgres type its statement casts to. */
export type ElementType = 'text' | 'int4' | 'bool' | 'timestamptz';

const ELEMENT_OIDS: Record<ElementType, number> = { text: 25, int4: 23, bool: 16, timestamptz: 1184 };

/** Postgres's timestamp epoch (2000-01-01T00:00:00Z) in Unix milliseconds. */
const POSTGRES_EPOCH_MS = 946_684_800_000;
const TWO_TO_32 = 4_294_967_296;

/** The element type a column of this Postgres type (as TypeORM names it) is sent as; undefined if none. */
export function elementTypeOf(postgresType: string): ElementType | undefined {
  switch (postgresType) {
    case 'character varying':
    case 'varchar':
    case 'text':
      // Sent as text either way: Postgres assigns text to a varchar column without a conversion.
      return 'text';
    case 'integer':
    case 'int4':
      return 'int4';
    case 'boolean':
    case 'bool':
      return 'bool';
    case 'timestamp with time zone':
    case 'timestamptz':
      return 'timestamptz';
    default:
      return undefined;
  }
}

/**
 * Encodes `values` (null or undefined for SQL NULL) as a one-dimensional array of `type`. A value
 * of the wrong kind throws, naming it through `describe(i)` (which row, which property).
 */
export function binaryArray(type: ElementType, values: readonly unknown[], describe: (index: number) => string): Uint8Array {
  const writer = new ArrayWriter();
  writer.int32(values.length === 0 ? 0 : 1);
  writer.int32(0); // has-null flag, set below once known
  writer.int32(ELEMENT_OIDS[type]);
  if (values.length > 0) {
    writer.int32(values.length);
    writer.int32(1);
  }
  let hasNull = false;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) {
      hasNull = true;
      writer.int32(-1);
    } else if (type === 'text') {
      if (typeof value !== 'string') throw new TypeError(`${describe(i)} is ${typeof value}, not a string`);
      writer.text(value);
    } else if (type === 'int4') {
      if (!Number.isInteger(value) || (value as number) < -2_147_483_648 || (value as number) > 2_147_483_647) {
        throw new TypeError(`${describe(i)} is ${typeof value === 'number' ? value : typeof value}, not a 32-bit integer`);
      }
      writer.int32(4);
      writer.int32(value as number);
    } else if (type === 'bool') {
      if (typeof value !== 'boolean') throw new TypeError(`${describe(i)} is ${typeof value}, not a boolean`);
      writer.int32(1);
      writer.byte(value ? 1 : 0);
    } else {
      const ms = value instanceof Date ? value.getTime() : Number.NaN;
      if (Number.isNaN(ms)) throw new TypeError(`${describe(i)} is ${value instanceof Date ? 'an invalid Date' : typeof value}, not a valid Date`);
      // Microseconds since 2000 as a signed 64-bit integer: as two 32-bit halves while a double
      // holds it exactly (until about 2285), through BigInt beyond.
      const us = (ms - POSTGRES_EPOCH_MS) * 1000;
      writer.int32(8);
      if (Number.isSafeInteger(us)) {
        const high = Math.floor(us / TWO_TO_32);
        writer.int32(high);
        writer.uint32(us - high * TWO_TO_32);
      } else {
        writer.bigInt64(BigInt(ms - POSTGRES_EPOCH_MS) * 1000n);
      }
    }
  }
  if (hasNull) writer.setInt32(4, 1);
  return writer.finish();
}

/** Where arrays are written before being copied out: one per thread, kept and grown as needed. */
let scratch = Buffer.allocUnsafeSlow(1 << 20);

/** Appends big-endian integers and UTF-8 text to the scratch buffer. */
class ArrayWriter {
  #buffer = scratch;
  #offset = 0;

  int32(value: number): void {
    this.#reserve(4);
    this.#offset = this.#buffer.writeInt32BE(value, this.#offset);
  }

  uint32(value: number): void {
    this.#reserve(4);
    this.#offset = this.#buffer.writeUInt32BE(value, this.#offset);
  }

  bigInt64(value: bigint): void {
    this.#reserve(8);
    this.#offset = this.#buffer.writeBigInt64BE(value, this.#offset);
  }

  byte(value: number): void {
    this.#reserve(1);
    this.#buffer[this.#offset++] = value;
  }

  setInt32(at: number, value: number): void {
    this.#buffer.writeInt32BE(value, at);
  }

  /** The text's UTF-8 bytes behind their length. */
  text(value: string): void {
    // A UTF-16 code unit takes at most three bytes in UTF-8.
    this.#reserve(4 + value.length * 3);
    const written = this.#buffer.write(value, this.#offset + 4, 'utf8');
    this.#buffer.writeInt32BE(written, this.#offset);
    this.#offset += 4 + written;
  }

  /** The bytes written, in memory of their own (transferable from the state thread). */
  finish(): Uint8Array {
    const out = Buffer.allocUnsafeSlow(this.#offset);
    this.#buffer.copy(out, 0, 0, this.#offset);
    return out;
  }

  #reserve(bytes: number): void {
    if (this.#offset + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.#buffer.length * 2, this.#offset + bytes));
    this.#buffer.copy(grown, 0, 0, this.#offset);
    this.#buffer = scratch = grown;
  }
}
