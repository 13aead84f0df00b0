// Reading a request body into memory with a size limit (manifests), and checking a declared
// Content-Length against what arrived (a truncated body is the client's error, not a 500).
import type { Request } from 'express';
import { OciError } from '../errors/oci-error';

export async function readBody(req: Request, limit: number, what: string): Promise<Buffer> {
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && (!Number.isSafeInteger(declared) || declared < 0)) throw new OciError('SIZE_INVALID', `Content-Length ${JSON.stringify(req.headers['content-length'])} is not a number of bytes`);
  if (declared !== undefined && declared > limit) throw new OciError('SIZE_INVALID', `the ${what} is ${declared} bytes; this registry accepts at most ${limit}`, { status: 413 });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new OciError('SIZE_INVALID', `the ${what} is larger than ${limit} bytes, the most this registry accepts`, { status: 413 });
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof OciError) throw error;
    throw new OciError('SIZE_INVALID', `the ${what} was cut off after ${size} bytes (${(error as Error).message}); send it again`);
  }
  if (declared !== undefined && size !== declared) throw new OciError('SIZE_INVALID', `the ${what} declared ${declared} bytes (Content-Length) but ${size} arrived; send it again`);
  return Buffer.concat(chunks);
}

/** Content-Length as a number, or undefined when absent (chunked transfer). */
export function contentLength(req: Request): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new OciError('SIZE_INVALID', `Content-Length ${JSON.stringify(raw)} is not a number of bytes`);
  return value;
}
