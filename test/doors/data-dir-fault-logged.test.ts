// A data dir the gateway cannot write (read-only, or its permissions changed under it) is answered
// at the artifact doors as UNAVAILABLE, like a busy chain or IPFS node, which the doors do not
// log. But only the log tells the operator which path to fix: the doors log it as the OCI API
// does, with the path. Each door's error answer is driven with the error Node's fs gives.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import express from 'express';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { firmwareErrorMiddleware } from '../../src/gateway/doors/firmware/errors';
import { packageErrorMiddleware } from '../../src/gateway/doors/packages/errors';
import { grpcError } from '../../src/gateway/doors/plugins/status';
import { toOciError } from '../../src/gateway/errors/from-internal';
import { BlobStoreUnavailableError } from '../../src/ipfs';

const PATH = '/srv/hcr-data/gateway/uploads/0f3c/data';

function fsError(code: string, syscall: string): NodeJS.ErrnoException {
  const words = code === 'EROFS' ? 'read-only file system' : code === 'EACCES' ? 'permission denied' : 'operation not permitted';
  return Object.assign(new Error(`${code}: ${words}, ${syscall} '${PATH}'`), { code, syscall, path: PATH });
}

/** The errors of a data dir that cannot be written: as fs gives them, and wrapped in the OCI error the push path throws. */
const FAULTS: [string, () => unknown][] = [
  ['EACCES', () => fsError('EACCES', 'open')],
  ['EPERM', () => fsError('EPERM', 'mkdir')],
  ['EROFS', () => fsError('EROFS', 'open')],
  ['EACCES wrapped in an OCI error', () => toOciError(fsError('EACCES', 'open'))],
];

/** What an HTTP door answers for `error`, and what it logged. */
async function httpDoorAnswer(middleware: (log: (line: string) => void) => express.ErrorRequestHandler, error: unknown): Promise<{ status: number; body: string; retryAfter: string | null; logs: string[] }> {
  const logs: string[] = [];
  const app = express();
  app.get('/', () => {
    throw error;
  });
  app.use(middleware((line) => logs.push(line)));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { status: response.status, body: await response.text(), retryAfter: response.headers.get('retry-after'), logs };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

for (const [door, middleware] of [['firmware', firmwareErrorMiddleware], ['packages', packageErrorMiddleware]] as const) {
  describe(`the ${door} door and a data dir it cannot write`, () => {
    for (const [what, fault] of FAULTS) {
      it(`${what}: answered 503 with Retry-After, the client not told the path, and logged with it`, async () => {
        const answer = await httpDoorAnswer(middleware, fault());
        assert.equal(answer.status, 503, answer.body);
        assert.ok(Number(answer.retryAfter) > 0, 'Retry-After');
        assert.match(answer.body, /data dir/);
        assert.ok(!answer.body.includes(PATH), 'the path is for the log, not the client');
        assert.equal(answer.logs.length, 1, `logged once: ${JSON.stringify(answer.logs)}`);
        assert.ok(answer.logs[0].startsWith(`${door}: `), answer.logs[0]);
        assert.ok(answer.logs[0].includes(PATH), `the log names the path: ${answer.logs[0]}`);
      });
    }

    it('IPFS being unavailable is answered 503 and still not logged (it says so itself)', async () => {
      const answer = await httpDoorAnswer(middleware, new BlobStoreUnavailableError('IPFS API http://127.0.0.1:5001 is unreachable (ECONNREFUSED)'));
      assert.equal(answer.status, 503);
      assert.deepEqual(answer.logs, []);
    });
  });
}

describe('the plugin registry and a data dir it cannot write', () => {
  for (const [what, fault] of FAULTS) {
    it(`${what}: answered UNAVAILABLE with retry-after, and logged with the path`, () => {
      const logs: string[] = [];
      const answer = grpcError(fault(), (line) => logs.push(line));
      assert.equal(answer.code, GrpcStatus.UNAVAILABLE);
      assert.ok(Number(answer.metadata?.get('retry-after')[0]) > 0, 'retry-after');
      assert.ok(!String(answer.details).includes(PATH), 'the path is for the log, not the client');
      assert.equal(logs.length, 1, `logged once: ${JSON.stringify(logs)}`);
      assert.ok(logs[0].startsWith('plugins: ') && logs[0].includes(PATH), logs[0]);
    });
  }

  it('IPFS being unavailable is still not logged', () => {
    const logs: string[] = [];
    grpcError(new BlobStoreUnavailableError('IPFS API http://127.0.0.1:5001 is unreachable (ECONNREFUSED)'), (line) => logs.push(line));
    assert.deepEqual(logs, []);
  });
});
