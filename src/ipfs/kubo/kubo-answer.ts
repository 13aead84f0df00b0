// The fields the store reads from Kubo's JSON answers, checked for their type. Valid JSON with a
// field of the wrong type (`"Hash": 5`, a `Size` sent as a string) is no Kubo answer: something
// else answers in the node's place (a proxy, another server on the port). Used as it came, a
// string `Size` would be joined rather than added, and a non-CID `Hash` failed as a 500 "internal
// error" or passed for a bad CID on chain. It is the retryable "IPFS unavailable" instead, as for
// any other answer that is not Kubo's (kubo-errors.ts), with the call and the field named.

/** A Kubo RPC answer that does not have the shape Kubo gives it. */
export class KuboAnswerError extends Error {
  override readonly name = 'KuboAnswerError';
}

/** `value` as a phrase for the message: `5 (a number)`, `"12" (a string)`, `no value`. */
function shown(value: unknown): string {
  if (value === undefined) return 'no value';
  const text = JSON.stringify(value) ?? String(value);
  return `${text.length > 60 ? `${text.slice(0, 60)}…` : text} (${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`})`;
}

export function wrongField(call: string, field: string, value: unknown, expected: string): KuboAnswerError {
  return new KuboAnswerError(`${call} answered \`${field}\` as ${shown(value)}, not ${expected}`);
}

export function stringField(call: string, field: string, value: unknown): string {
  if (typeof value !== 'string') throw wrongField(call, field, value, 'a string');
  return value;
}

/** A byte count: Kubo sends sizes as JSON numbers (files/stat, block/stat). */
export function sizeField(call: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw wrongField(call, field, value, 'a byte count');
  return value;
}

/** A flag Kubo may leave out (it omits false ones). */
export function optionalBooleanField(call: string, field: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw wrongField(call, field, value, 'true or false');
  return value;
}

/**
 * kubo-rpc-client parses some fields itself before the store sees the answer (files/stat's
 * `Hash`, pin/ls's `Cid`, dag/import's `Root.Cid`, all with CID.parse). What it throws then is a
 * plain Error: its request's own failures are typed (HTTPError, TimeoutError, AbortError, fetch's
 * TypeError with the socket error as cause), and text that is no JSON fails as a SyntaxError. So a
 * plain Error from one of those calls is the named field failing to parse.
 */
export function clientParseError(error: unknown, call: string, field: string): unknown {
  if (!(error instanceof Error) || error.name !== 'Error' || (error as { response?: unknown }).response !== undefined) return error;
  return new KuboAnswerError(`${call} answered a \`${field}\` that is not a CID (${error.message})`, { cause: error });
}

/** A CID field, parsed by `parse`; one that does not parse is no Kubo answer either. */
export function cidField<T>(call: string, field: string, value: unknown, parse: (text: string) => T): T {
  const text = stringField(call, field, value);
  try {
    return parse(text);
  } catch (error) {
    throw new KuboAnswerError(`${call} answered \`${field}\` as ${shown(value)}, not a CID of a file (${(error as Error).message})`, { cause: error });
  }
}
