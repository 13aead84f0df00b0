// Reads a one-dimensional array in Postgres's binary format (as src/processor/state/binary-array.ts
// writes it) back into values, so tests can look at the rows a batch would send.
const POSTGRES_EPOCH_MS = 946_684_800_000;

export function decodeBinaryArray(bytes: Uint8Array): unknown[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dimensions = buffer.readInt32BE(0);
  const oid = buffer.readInt32BE(8);
  if (dimensions === 0) return [];
  if (dimensions !== 1) throw new Error(`expected a one-dimensional array, got ${dimensions} dimensions`);
  const length = buffer.readInt32BE(12);
  const values: unknown[] = [];
  let at = 20;
  for (let i = 0; i < length; i++) {
    const size = buffer.readInt32BE(at);
    at += 4;
    if (size === -1) {
      values.push(null);
      continue;
    }
    const element = buffer.subarray(at, at + size);
    at += size;
    if (oid === 25) values.push(element.toString('utf8'));
    else if (oid === 23) values.push(element.readInt32BE(0));
    else if (oid === 16) values.push(element[0] === 1);
    else if (oid === 1184) values.push(new Date(Number(element.readBigInt64BE(0) / 1000n) + POSTGRES_EPOCH_MS));
    else throw new Error(`element type ${oid} is not one the processor writes`);
  }
  if (at !== buffer.length) throw new Error(`${buffer.length - at} bytes left after the array's elements`);
  return values;
}
