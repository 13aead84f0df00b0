// What a request body the gateway's body parser (express.urlencoded, on /token) refuses becomes on
// the wire: the error is made by the parser itself from a request stream, then mapped by
// toOciError. A body that does not match its Content-Length cannot be sent over a real socket
// (Node's HTTP parser holds the request until the bytes arrive), hence a stream here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import express from 'express';
import { toOciError } from '../../src/gateway/errors/from-internal';

/** The error express.urlencoded passes on for a body with these headers. */
function parserError(body: string, headers: Record<string, string>, limit = '64kb'): Promise<unknown> {
  const req = Object.assign(Readable.from([Buffer.from(body)]), { method: 'POST', url: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  return new Promise((resolve) => express.urlencoded({ extended: false, limit })(req as never, {} as never, resolve));
}

describe('body parser errors as OCI errors', () => {
  it('calls a body that does not match its Content-Length SIZE_INVALID', async () => {
    const error = toOciError(await parserError('a=b', { 'content-length': '10' }));
    assert.equal(error.code, 'SIZE_INVALID');
    assert.equal(error.status, 400);
    assert.match(error.message, /request size did not match content length/);
  });

  it('calls a body over the limit SIZE_INVALID with 413', async () => {
    const error = toOciError(await parserError('a='.padEnd(200, 'x'), { 'content-length': '200' }, '100b'));
    assert.equal(error.code, 'SIZE_INVALID');
    assert.equal(error.status, 413);
  });

  it('calls an unsupported charset or encoding UNSUPPORTED with 415', async () => {
    const cases: Record<string, string>[] = [{ 'content-type': 'application/x-www-form-urlencoded; charset=latin1' }, { 'content-encoding': 'compress' }];
    for (const headers of cases) {
      const error = toOciError(await parserError('a=b', { 'content-length': '3', ...headers }));
      assert.equal(error.code, 'UNSUPPORTED', JSON.stringify(headers));
      assert.equal(error.status, 415);
    }
  });

  it('maps other 4xx client errors by their status', () => {
    const withStatus = (status: number) => Object.assign(new Error('refused'), { status });
    assert.equal(toOciError(withStatus(401)).code, 'UNAUTHORIZED');
    assert.equal(toOciError(withStatus(403)).code, 'DENIED');
    assert.equal(toOciError(withStatus(429)).code, 'TOOMANYREQUESTS');
    assert.equal(toOciError(withStatus(400)).code, 'UNSUPPORTED');
    assert.equal(toOciError(withStatus(400)).status, 400);
  });
});
