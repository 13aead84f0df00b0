// `hcr artifact push` against a gateway that takes the upload and then says nothing, or sends its
// answer's headers and then nothing: like every other answer `hcr` reads, the push gives up once
// the connection has been quiet for 30 s, with exit 3 and the reason, instead of holding a CI job
// forever. The real binary against a real socket; no chain is needed. So that the suite need not
// wait the 30 s themselves, helpers/quick-stall.js runs the request's idle limit of 30 s (which the
// test checks that the push asks for) for STALL_TO_MS instead; the message and exit are the product's.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, collect, expectExit, ROOT, type Run } from './helpers/run-hcr';

/** The product's stall limit, STALL_MS (its message says "30 s"), and what the test runs it for. */
const STALL_MS = 30_000;
const STALL_TO_MS = 3_000;
const QUICK_STALL = join(__dirname, 'helpers/quick-stall.js');

let server: Server;
let registry: string;
let tmp: string;
let file: string;
/** Answers held open, ended when the test closes the server. */
const held: ServerResponse[] = [];
const uploads: number[] = [];

/** The push's run, and the idle limits (ms) it set on its requests, as quick-stall.js saw them. */
async function push(version: string): Promise<Run & { idleLimits: number[] }> {
  const log = join(tmp, `idle-limits-${version}.log`);
  writeFileSync(log, '');
  const env: NodeJS.ProcessEnv = { ...process.env, HCR_TEST_STALL_FROM: String(STALL_MS), HCR_TEST_STALL_TO: String(STALL_TO_MS), HCR_TEST_STALL_LOG: log };
  for (const name of ['HCR_SURI', 'HCR_TOKEN', 'HCR_REGISTRY', 'HCR_GATEWAY', 'HCR_CONFIG']) delete env[name];
  const args = ['artifact', 'push', `acme/fw:${version}`, file, '--registry', registry, '--token', 'hcrt_test'];
  const run = await collect(spawn(process.execPath, ['--require', QUICK_STALL, BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }), args.join(' '));
  return { ...run, idleLimits: readFileSync(log, 'utf8').split('\n').filter(Boolean).map(Number) };
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hcr-silent-gateway-'));
  file = join(tmp, 'firmware.bin');
  writeFileSync(file, Buffer.alloc(100_000, 3));
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      uploads.push(body.length);
      held.push(res);
      // 1.0.0: the whole upload taken, and no answer. 2.0.0: the answer's headers, then nothing.
      if (body.includes('"version":"2.0.0"')) {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.write('{"name":"acme/fw",');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('hcr artifact push to a gateway that goes quiet', { timeout: 120_000 }, () => {
  test('no answer after the upload, or an answer cut off after its headers: exit 3 within the stall limit', async () => {
    const started = Date.now();
    const [unanswered, cutOff] = await Promise.all([push('1.0.0'), push('2.0.0')]);
    const took = Date.now() - started;
    for (const run of [unanswered, cutOff]) {
      expectExit(run, 3);
      assert.match(run.stderr, new RegExp(`error: the gateway at ${registry.replace(/\./g, '\\.')} went quiet during the push \\(nothing sent or received for 30 s\\): check that it runs, then push again`));
      assert.equal(run.stdout, '');
      assert.ok(run.idleLimits.includes(STALL_MS), `the push set no ${STALL_MS / 1000} s idle limit on its request (it set ${JSON.stringify(run.idleLimits)})`);
    }
    assert.ok(took >= STALL_TO_MS && took < 50_000, `the pushes took ${took} ms`);
    assert.equal(uploads.length, 2, 'both uploads reached the gateway');
    assert.ok(uploads.every((size) => size > 100_000), 'each upload was whole');
  });
});
