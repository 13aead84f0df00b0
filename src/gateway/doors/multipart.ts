// The parts of a multipart/form-data body, in the order they arrive: small fields as text, files
// as streams the caller consumes before asking for the next part (busboy waits meanwhile, so a
// file is never buffered). Limits are checked as parts arrive and reported as ArtifactErrors.
import type { Request } from 'express';
import busboy from 'busboy';
import type { Readable } from 'node:stream';
import { ArtifactError } from '../artifacts/errors';

export type Part =
  | { readonly kind: 'field'; readonly name: string; readonly value: string }
  | { readonly kind: 'file'; readonly name: string; readonly stream: Readable; readonly filename?: string; readonly mimeType?: string };

export interface MultipartLimits {
  /** The largest text field, in bytes. */
  readonly fieldBytes: number;
  readonly files: number;
  readonly fields: number;
}

export async function* multipartParts(req: Request, limits: MultipartLimits): AsyncGenerator<Part> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(type)) {
    throw new ArtifactError('MISSING_PART', `the body must be multipart/form-data (Content-Type is ${JSON.stringify(type.slice(0, 80)) || 'missing'}): send the parts with curl -F, for example -F "metadata=…" -F "firmware=@firmware.bin"`);
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { fieldSize: limits.fieldBytes + 1, files: limits.files, fields: limits.fields, parts: limits.files + limits.fields } });
  } catch (error) {
    throw new ArtifactError('MISSING_PART', `the multipart body cannot be read (${(error as Error).message}): send it as curl -F does`);
  }
  const queue: (Part | { kind: 'end' } | { kind: 'error'; error: Error })[] = [];
  let wake: (() => void) | undefined;
  const push = (item: (typeof queue)[number]) => {
    queue.push(item);
    wake?.();
  };
  parser.on('field', (name, value, info) => {
    if (info.valueTruncated) push({ kind: 'error', error: new ArtifactError('TOO_LARGE', `part ${JSON.stringify(name)} is larger than ${limits.fieldBytes} bytes, the most accepted: send less metadata`, { field: name }) });
    else push({ kind: 'field', name, value });
  });
  parser.on('file', (name, stream, info) => push({ kind: 'file', name, stream, filename: info.filename, mimeType: info.mimeType }));
  parser.on('filesLimit', () => push({ kind: 'error', error: new ArtifactError('INVALID_METADATA', `at most ${limits.files} file part(s) are accepted`) }));
  parser.on('fieldsLimit', () => push({ kind: 'error', error: new ArtifactError('INVALID_METADATA', `at most ${limits.fields} text part(s) are accepted`) }));
  parser.on('error', (error: Error) => push({ kind: 'error', error: new ArtifactError('MISSING_PART', `the multipart body is malformed or cut off (${error.message}); send it again`) }));
  parser.on('close', () => push({ kind: 'end' }));
  req.on('aborted', () => push({ kind: 'error', error: new ArtifactError('MISSING_PART', 'the request was cut off before its last part arrived; send it again') }));
  req.pipe(parser);
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const item = queue.shift()!;
      if (item.kind === 'end') return;
      if (item.kind === 'error') throw item.error;
      yield item;
      // A file part the consumer left unread is skipped, so that the next parts can arrive.
      if (item.kind === 'file' && !item.stream.readableEnded) item.stream.resume();
    }
  } finally {
    // The rest of a body given up on is not read here: that would take all of it (gigabytes, for a
    // refused upload) before the refusal is sent. The server reads off a small rest after the
    // answer and closes the connection over a large one (src/gateway/http/body-idle.ts).
    req.unpipe(parser);
  }
}
