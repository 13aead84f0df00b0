// `hcr` against a gateway that is hostile or broken: fields of its answers that carry escape
// sequences, C1 controls or bidi overrides (in human and in --json output), an error page that
// never ends, a header with C1 bytes, and — for `hcr export` — a planted symlink where the
// unfinished file would go and a Ctrl-C halfway through. The real binary against a real socket;
// no chain is needed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, collect, expectExit, ROOT, type Run } from './helpers/run-hcr';

/** Characters that must never reach a terminal raw from a gateway's answer. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
/** A C1 CSI (clear screen), an OSC 8 link, and a bidi override. */
const HOSTILE = '\u009b2J\x1b]8;;http://evil.example\x07click\x1b]8;;\x07 \u202eexe.txt';
const BUNDLE = Buffer.alloc(200_000, 7);

let server: Server;
let gateway: string;
let tmp: string;
/** Responses held open by the stalling routes, ended when the test closes the server. */
const held: ServerResponse[] = [];

function hcr(args: string[], cwd = ROOT): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['HCR_SURI', 'HCR_TOKEN', 'HCR_REGISTRY', 'HCR_GATEWAY', 'HCR_CONFIG']) delete env[name];
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, args.join(' '));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hcr-hostile-gateway-'));
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/api/tokens':
        return json(res, 201, { id: `tok${HOSTILE}`, name: `ci${HOSTILE}`, scopes: [`read${HOSTILE}`], createdAt: '2026-01-01T00:00:00.000Z', expiresAt: `2027${HOSTILE}`, revokedAt: null, token: `hcrt_${HOSTILE}` });
      case '/api/packages':
        return json(res, 200, { packages: [{ name: 'acme/fw', latest: '1.0.0', versionCount: 1, kinds: ['firmware'], description: HOSTILE, keywords: [] }] });
      case '/api/packages/acme/endless/resolve': {
        // An error page that never ends: only its head may be read.
        res.statusCode = 404;
        res.setHeader('content-type', 'text/plain');
        const more = () => {
          while (res.write(Buffer.alloc(64 * 1024, 'x'))) if (res.destroyed) return;
        };
        res.on('drain', more);
        res.on('close', () => res.removeListener('drain', more));
        res.write('no such artifact ');
        more();
        return;
      }
      case '/bundles': {
        res.setHeader('content-type', 'application/vnd.ipld.car');
        // Bytes 0x80-0xff in a header arrive as C1 controls: U+009B is CSI.
        res.setHeader('x-hcr-as-of-block', Buffer.from('5 \x9b2J\x9b1;1H', 'latin1').toString('latin1'));
        if (url.searchParams.get('ref') === 'acme/stall') {
          res.write(BUNDLE.subarray(0, 1000));
          held.push(res);
          return;
        }
        res.end(BUNDLE);
        return;
      }
      default:
        res.statusCode = 404;
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gateway = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('a gateway\'s answers on the terminal', { timeout: 120_000 }, () => {
  test('token create: the id, name, scopes, expiry and token the gateway sends cannot rewrite the terminal', async () => {
    const run = await hcr(['token', 'create', '--name', 'ci', '--registry', gateway, '--token', 'hcrt_admin']);
    expectExit(run, 0);
    assert.doesNotMatch(run.stderr, RAW_CONTROL, JSON.stringify(run.stderr));
    assert.doesNotMatch(run.stdout, RAW_CONTROL, JSON.stringify(run.stdout));
    assert.ok(run.stderr.includes('ci\\x9b2J\\x1b]8;;'), run.stderr);
  });

  test('--json output is printable ASCII, and parses to the exact values', async () => {
    const run = await hcr(['artifact', 'ls', '--registry', gateway, '--json']);
    expectExit(run, 0);
    assert.match(run.stdout, /^[\x20-\x7e\n]*$/, JSON.stringify(run.stdout));
    assert.equal((JSON.parse(run.stdout) as { packages: { description: string }[] }).packages[0].description, HOSTILE);
    const created = await hcr(['token', 'create', '--name', 'ci', '--registry', gateway, '--token', 'hcrt_admin', '--json']);
    expectExit(created, 0);
    assert.match(created.stdout, /^[\x20-\x7e\n]*$/, JSON.stringify(created.stdout));
    assert.equal((JSON.parse(created.stdout) as { name: string }).name, `ci${HOSTILE}`);
  });

  test('an error page that never ends is cut: the command fails in words, promptly', async () => {
    const started = Date.now();
    const run = await hcr(['artifact', 'resolve', 'acme/endless@^1', '--registry', gateway]);
    expectExit(run, 1);
    assert.match(run.stderr, /^error: no such artifact x+…\n$/);
    assert.ok(run.stderr.length < 70 * 1024, `${run.stderr.length} bytes of error`);
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  });
});

describe('hcr export writes its file safely', { timeout: 120_000 }, () => {
  test('a symlink planted where the unfinished file used to go is not written through', async () => {
    const dir = mkdtempSync(join(tmp, 'planted-'));
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'the user\'s own file\n');
    const out = join(dir, 'acme.car');
    symlinkSync(victim, `${out}.partial`);
    const run = await hcr(['export', 'acme', '--gateway', gateway, '--out', out]);
    expectExit(run, 0);
    assert.equal(readFileSync(victim, 'utf8'), 'the user\'s own file\n', 'the symlink\'s target is untouched');
    assert.deepEqual(readFileSync(out), BUNDLE);
  });

  test('the block the gateway names is printed only when it is a block number and hash', async () => {
    const dir = mkdtempSync(join(tmp, 'as-of-'));
    const run = await hcr(['export', 'acme', '--gateway', gateway, '--out', join(dir, 'acme.car')]);
    expectExit(run, 0);
    assert.doesNotMatch(run.stdout, RAW_CONTROL, JSON.stringify(run.stdout));
    assert.match(run.stdout, /as of a block the gateway did not name/);
    const asJson = await hcr(['export', 'acme', '--gateway', gateway, '--out', join(dir, 'again.car'), '--json']);
    expectExit(asJson, 0);
    assert.equal((JSON.parse(asJson.stdout) as { asOfBlock: unknown }).asOfBlock, null);
  });

  test('--out naming a directory is refused before anything is fetched', async () => {
    const run = await hcr(['export', 'acme', '--gateway', gateway, '--out', tmp]);
    expectExit(run, 2);
    assert.match(run.stderr, /--out .* is a directory: give the path of the file to write/);
  });

  test('Ctrl-C halfway through leaves no unfinished file behind', async () => {
    const dir = mkdtempSync(join(tmp, 'interrupted-'));
    const out = join(dir, 'acme.car');
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.HCR_CONFIG;
    const child = spawn(process.execPath, [BIN, 'export', 'acme/stall', '--gateway', gateway, '--out', out], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const done = collect(child, 'export acme/stall');
    const deadline = Date.now() + 30_000;
    while (readdirSync(dir).length === 0) {
      assert.ok(Date.now() < deadline, 'the export never started writing');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Some bytes are in the unfinished file; the gateway sends no more.
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGINT');
    const run = await done;
    assert.equal(run.code, 130, `exit ${run.code}; stderr: ${run.stderr}`);
    assert.deepEqual(readdirSync(dir), [], 'nothing is left in the directory');
    assert.equal(existsSync(out), false);
    assert.match(run.stderr, /SIGINT: stopped; the unfinished .*acme\.car was removed/);
  });
});
