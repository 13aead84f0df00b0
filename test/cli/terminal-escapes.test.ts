// Strangers' text on a terminal: the pallet stores any bytes as a space or image name, and a
// gateway (or whoever published an artifact through it) chooses names, descriptions, versions,
// file names and error messages. `hcr` must print those so they cannot rewrite the terminal
// (escape sequences, carriage returns), pass for another name (bidi overrides, lookalikes) or,
// for a download, choose where on disk the file lands; --json keeps the exact values.
// The real binary in a child process, against a dev chain and a hostile gateway on real sockets.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { stringToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { submitTx } from '../../src/chain';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { BIN, collect, expectExit, ROOT, type Run } from './helpers/run-hcr';

/** Clears the screen, retitles the window, then returns to the line start to print a fake row. */
const HOSTILE_NAME = '\x1b]0;pwned\x07\x1b[2J\r1      acme';
/** Shows as "acme" in a terminal that honours bidi overrides. */
const BIDI_NAME = '\u202eemca';
/** A Cyrillic а: looks like "acme". */
const LOOKALIKE_NAME = '\u0430cme';
const HOSTILE_IMAGE = 'web\x1b[8mhidden\r';
/** Where a download named by an absolute path would land. */
const ABSOLUTE_TARGET = join(tmpdir(), `hcr-escapes-absolute-${process.pid}.bin`);

/** Characters that must never reach a terminal raw from untrusted text. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

let chain: TestChain;
let tmp: string;
const ids: Record<string, string> = {};

function env(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env, CHAIN_RPC: chain.devnet.wsUrl };
  for (const name of ['HCR_SURI', 'HCR_KEYRING_PASSWORD', 'GATEWAY_ADDRESS', 'HCR_REGISTRY', 'HCR_TOKEN', 'HCR_CONFIG']) delete clean[name];
  return clean;
}

function hcr(args: string[], cwd = ROOT): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, args.join(' '));
}

before(async () => {
  chain = await startTestChain();
  tmp = mkdtempSync(join(tmpdir(), 'hcr-escapes-'));
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const names: [string, string][] = [['Bob', HOSTILE_NAME], ['Charlie', BIDI_NAME], ['Dave', LOOKALIKE_NAME]];
  for (const [who, name] of names) {
    // Raw bytes, as an attacker submits them to a node: the project's builders would refuse these names.
    const signer = keyring.addFromUri(`//${who}`);
    const result = await submitTx(chain.api, chain.api.tx.containerRegistry.createSpace(stringToHex(name)), signer, { until: 'inBlock' });
    const created = result.events.find((e) => e.event.section === 'containerRegistry' && e.event.method === 'SpaceCreated');
    ids[name] = created ? created.event.data[0].toString() : '';
    assert.ok(ids[name], `space ${JSON.stringify(name)} created`);
  }
  const bob = keyring.addFromUri('//Bob');
  const digest = `sha256:${'a'.repeat(64)}`;
  const tx = chain.api.tx.containerRegistry.addManifestHeadDigestAndManifestJsonCid(stringToHex(HOSTILE_NAME), stringToHex(HOSTILE_IMAGE), null, stringToHex(digest), stringToHex('bafkqaaa'));
  await submitTx(chain.api, tx, bob, { until: 'inBlock' });
});

after(async () => {
  await chain?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('hcr prints strangers\' on-chain names escaped', { timeout: 300_000 }, () => {
  test('space ls: no escape sequence, carriage return or bidi override reaches the terminal; the names show escaped', async () => {
    const run = await hcr(['space', 'ls']);
    expectExit(run, 0);
    assert.doesNotMatch(run.stdout, RAW_CONTROL, `raw control characters in:\n${JSON.stringify(run.stdout)}`);
    // Spaces are escaped too: no valid name has one, and they would line the fake row up with the table.
    assert.ok(run.stdout.includes('\\x1b]0;pwned\\x07\\x1b[2J\\x0d1\\x20\\x20\\x20\\x20\\x20\\x20acme'), run.stdout);
    assert.ok(run.stdout.includes('\\u202eemca'), run.stdout);
    assert.ok(run.stdout.includes('\\u0430cme'), 'the lookalike shows which letter is not ASCII');
  });

  test('space show: the name and image names show escaped', async () => {
    const run = await hcr(['space', 'show', ids[HOSTILE_NAME]]);
    expectExit(run, 0);
    assert.doesNotMatch(run.stdout, RAW_CONTROL, JSON.stringify(run.stdout));
    assert.ok(run.stdout.includes('web\\x1b[8mhidden\\x0d'), run.stdout);
  });

  test('space ls --json keeps the exact names for scripts', async () => {
    const run = await hcr(['space', 'ls', '--json']);
    expectExit(run, 0);
    const names = (JSON.parse(run.stdout) as { name: string; images: string[] }[]).map((s) => s.name);
    for (const name of [HOSTILE_NAME, BIDI_NAME, LOOKALIKE_NAME]) assert.ok(names.includes(name), `${JSON.stringify(name)} in ${JSON.stringify(names)}`);
    const shown = (JSON.parse((await hcr(['space', 'show', ids[HOSTILE_NAME], '--json'])).stdout) as { images: string[] }).images;
    assert.deepEqual(shown, [HOSTILE_IMAGE]);
  });

});

describe('hcr artifact against a hostile gateway', { timeout: 300_000 }, () => {
  const file = Buffer.from('firmware bytes\n');
  const fileDigest = `sha256:${createHash('sha256').update(file).digest('hex')}`;
  let server: Server;
  let registry: string;
  let filename = '../escaped.bin';

  before(async () => {
    // A run without the fix writes here; start from nothing so this run's result is its own.
    rmSync(ABSOLUTE_TARGET, { force: true });
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/api/packages') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ packages: [{ name: 'acme/fw\x1b[2J', latest: '1.0.0\r9.9.9', versionCount: 1, kinds: ['firmware'], description: 'safe \x1b]8;;http://evil.example\x07click\x1b]8;;\x07 \u202eexe.txt', keywords: [] }] }));
        return;
      }
      if (url.pathname === '/api/packages/acme/fw/1.0.0/download') {
        res.setHeader('content-type', 'application/octet-stream');
        res.setHeader('docker-content-digest', fileDigest);
        res.setHeader('content-disposition', `attachment; filename="${filename}"`);
        res.end(file);
        return;
      }
      if (url.pathname === '/api/tokens') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ account: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', tokens: [{ id: 'tok1', name: 'ci\x1b[2J\rtok2  ci  admin  no expiry', scopes: ['read'], createdAt: '2026-01-01T00:00:00.000Z', expiresAt: null, revokedAt: null }] }));
        return;
      }
      if (url.pathname === '/api/packages/acme/broken/resolve') {
        res.statusCode = 404;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such artifact\x1b[2J\r\x1b[32mfinalized' } }));
        return;
      }
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    rmSync(ABSOLUTE_TARGET, { force: true });
    await new Promise((resolve) => server.close(resolve));
  });

  test('artifact ls: names, versions and descriptions show escaped', async () => {
    const run = await hcr(['artifact', 'ls', '--registry', registry]);
    expectExit(run, 0);
    assert.doesNotMatch(run.stdout, RAW_CONTROL, JSON.stringify(run.stdout));
    assert.ok(run.stdout.includes('acme/fw\\x1b[2J'), run.stdout);
    assert.ok(run.stdout.includes('1.0.0\\x0d9.9.9'), run.stdout);
  });

  test('a gateway\'s error message is printed escaped', async () => {
    const run = await hcr(['artifact', 'resolve', 'acme/broken@^1', '--registry', registry]);
    expectExit(run, 1);
    assert.doesNotMatch(run.stderr, RAW_CONTROL, JSON.stringify(run.stderr));
    assert.match(run.stderr, /no such artifact\\x1b\[2J\\x0d/);
  });

  test('token ls: a token name cannot rewrite the line or fake another token', async () => {
    const run = await hcr(['token', 'ls', '--registry', registry, '--token', 'hcrt_test']);
    expectExit(run, 0);
    assert.doesNotMatch(run.stdout, RAW_CONTROL, JSON.stringify(run.stdout));
    assert.ok(run.stdout.includes('ci\\x1b[2J\\x0dtok2'), run.stdout);
  });

  for (const offered of ['../escaped.bin', ABSOLUTE_TARGET, '.bashrc']) {
    test(`artifact pull: the gateway's file name ${JSON.stringify(offered)} cannot choose where the file lands`, async () => {
      filename = offered;
      const cwd = mkdtempSync(join(tmp, 'pull-'));
      const work = join(cwd, 'work');
      mkdirSync(work);
      const run = await hcr(['artifact', 'pull', 'acme/fw:1.0.0', '--registry', registry], work);
      expectExit(run, 0);
      assert.equal(existsSync(join(cwd, 'escaped.bin')), false, 'nothing written outside the current directory');
      assert.equal(existsSync(ABSOLUTE_TARGET), false, 'nothing written at an absolute path');
      assert.equal(existsSync(join(work, '.bashrc')), false, 'no hidden file written');
      const expected = offered === '.bashrc' ? 'fw-1.0.0' : offered.split('/').pop()!;
      assert.deepEqual(readFileSync(join(work, expected)), file);
      assert.match(run.stderr, /note: the gateway named the file/);
    });
  }

  test('artifact pull: a file name from the gateway does not replace a file of the user\'s; -o does', async () => {
    filename = 'Makefile';
    const work = mkdtempSync(join(tmp, 'clobber-'));
    writeFileSync(join(work, 'Makefile'), 'all:\n\techo mine\n');
    const refused = await hcr(['artifact', 'pull', 'acme/fw:1.0.0', '--registry', registry], work);
    expectExit(refused, 2);
    assert.match(refused.stderr, /Makefile already exists here and its name came from the gateway, so it is not replaced: pass -o Makefile to replace it/);
    assert.equal(readFileSync(join(work, 'Makefile'), 'utf8'), 'all:\n\techo mine\n');
    const replaced = await hcr(['artifact', 'pull', 'acme/fw:1.0.0', '--registry', registry, '-o', 'Makefile'], work);
    expectExit(replaced, 0);
    assert.deepEqual(readFileSync(join(work, 'Makefile')), file);
  });

  test('artifact pull: a plain file name from the gateway is used as it is, with no note', async () => {
    filename = 'firmware.bin';
    const work = mkdtempSync(join(tmp, 'plain-'));
    const run = await hcr(['artifact', 'pull', 'acme/fw:1.0.0', '--registry', registry], work);
    expectExit(run, 0);
    assert.deepEqual(readFileSync(join(work, 'firmware.bin')), file);
    assert.doesNotMatch(run.stderr, /note:/);
  });
});
