// Reading request bodies: a JSON object with known fields of the right types, so a typo or a
// number where text belongs is answered with the field's name and what to send instead.
import type { Request } from 'express';
import { ApiError, invalidField } from './errors';

export type Body = Readonly<Record<string, unknown>>;

/** The JSON object body, refusing fields not in `fields` (named in the message). */
export function readBody(req: Request, what: string, fields: readonly string[]): Body {
  const body: unknown = req.body;
  if (!req.is('application/json')) {
    throw new ApiError(415, 'INVALID_BODY', `${what} takes a JSON object: send it with Content-Type: application/json`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'INVALID_BODY', `${what} takes a JSON object with ${fields.join(', ')}, not ${describe(body)}`);
  }
  for (const key of Object.keys(body)) {
    if (!fields.includes(key)) throw new ApiError(400, 'UNKNOWN_FIELD', `${what} has no field "${key}": its fields are ${fields.join(', ')}`, key);
  }
  return body as Body;
}

/** A required string field; `example` is shown in the fix. */
export function requireString(body: Body, field: string, example: string): string {
  const value = body[field];
  if (value === undefined || value === null) throw invalidField(field, `${field} is missing: give ${example}`);
  if (typeof value !== 'string') throw invalidField(field, `${field} must be a string, not ${describe(value)}: give ${example}`);
  return value;
}

export function optionalInteger(body: Body, field: string, example: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalidField(field, `${field} must be a whole number, not ${describe(value)}: give ${example}`);
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `the ${typeof value} ${String(value)}`;
}
