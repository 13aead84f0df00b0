// The GraphQL endpoint's answer to a request body it cannot read (not JSON, too large, another
// charset): a GraphQL-shaped JSON error that names the problem and the fix, with the CORS header
// a browser page needs to read it. Without this, Express answered such a body with an HTML page
// holding the parser's stack trace.
import type { ErrorRequestHandler, Response } from 'express';
import type { ServerResponse } from 'node:http';

const SEND_JSON = 'send a JSON object with the query, e.g. {"query": "{ squidStatus { height } }"}, with Content-Type: application/json';

/** Writes the error answer; works on a bare Node response as well as an Express one. */
export function answerBadBody(res: ServerResponse | Response, status: number, message: string): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST_BODY' } }] });
  res.statusCode = status;
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** The body as a GraphQL request (an object, or an array for a batch), or why it is not one. */
export function parseRequestBody(raw: Buffer): { body: object } | { problem: string } {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    return { problem: notJson((error as Error).message) };
  }
  if (typeof body !== 'object' || body === null) return { problem: NOT_AN_OBJECT };
  return { body };
}

const NOT_AN_OBJECT = `The request body is JSON but not an object; ${SEND_JSON}.`;

function notJson(reason: string | undefined): string {
  return `The request body is not valid JSON (${reason}); ${SEND_JSON}.`;
}

/** What a body of `bytes` bytes gets when the server takes at most `limit`. */
export function tooLargeProblem(bytes: number | undefined, limit: number): string {
  return `The request body${bytes === undefined ? '' : ` (${bytes} bytes)`} is larger than this server takes (${limit} bytes); send a smaller query, or start the server with a larger --max-request-size (in kB).`;
}

interface BodyParserError {
  type?: string;
  status?: number;
  length?: number;
  limit?: number;
  charset?: string;
  encoding?: string;
  message?: string;
  /** The body as text, when parsing it failed. */
  body?: string;
}

/** Express error handler for what the JSON body parser in front of Apollo refuses. */
export const bodyErrorHandler: ErrorRequestHandler = (error: BodyParserError, _req, res, next) => {
  if (res.headersSent) return next(error);
  switch (error?.type) {
    case 'entity.parse.failed':
      // The parser refuses JSON that is not an object or array before parsing it.
      return answerBadBody(res, 400, isJson(error.body) ? NOT_AN_OBJECT : notJson(error.message));
    case 'entity.too.large':
      return answerBadBody(res, 413, tooLargeProblem(error.length, error.limit ?? 0));
    case 'charset.unsupported':
      return answerBadBody(res, 415, `The request body's charset "${error.charset}" is not supported; send it in UTF-8.`);
    case 'encoding.unsupported':
      return answerBadBody(res, 415, `The request body's Content-Encoding "${error.encoding}" is not supported; send it uncompressed, or with gzip or deflate.`);
    case 'request.size.invalid':
      return answerBadBody(res, 400, 'The request body is not as long as its Content-Length header says; send the header that matches the body, or none.');
    default:
      return next(error);
  }
};

function isJson(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
