// `hcr artifact pull` without -o takes the file's name from the gateway (the title a publisher
// wrote on the layer, passed on by Content-Disposition), and the bytes' digest from the gateway's
// Docker-Content-Digest. A publisher can title a file "-", which on the command line means
// stdout, so the artifact's raw bytes (escape sequences included) would go to the terminal instead
// of a file; "-rf" in a directory turns a later `rm *` into `rm -rf *`; a name longer than the
// filesystem takes must not make every pull fail with "run the pull again"; and a download the
// gateway names no digest for must not be written unchecked. The real binary against a fake
// gateway on a real socket; no chain is needed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, collect, expectExit, type Run } from './helpers/run-hcr';

/** Bytes that, printed on a terminal, set the clipboard (OSC 52) and clear the screen. */
const FILE = Buffer.from('\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2Jfirmware\n');
const FILE_DIGEST = `sha256:${createHash('sha256').update(FILE).digest('hex')}`;
/** The longest name most filesystems take (255 bytes): too long for a temporary name beside it. */
const LONGEST_NAME = `${'f'.repeat(251)}.bin`;

let server: Server;
let registry: string;
let tmp: string;
/** What the fake gateway answers the next download with. */
let answer: { filename?: string; digest?: string } = {};

function hcr(args: string[], cwd: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['HCR_SURI', 'HCR_TOKEN', 'HCR_REGISTRY', 'HCR_CONFIG']) delete env[name];
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, args.join(' '));
}

function pull(work: string, ...more: string[]): Promise<Run> {
  return hcr(['artifact', 'pull', 'acme/fw:1.0.0', '--registry', registry, ...more], work);
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hcr-pull-names-'));
  server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/api/packages/acme/fw/1.0.0/download') {
      res.statusCode = 404;
      return void res.end();
    }
    res.setHeader('content-type', 'application/octet-stream');
    if (answer.digest) res.setHeader('docker-content-digest', answer.digest);
    if (answer.filename !== undefined) res.setHeader('content-disposition', `attachment; filename="${answer.filename}"`);
    res.end(FILE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(tmp, { recursive: true, force: true });
});

describe('hcr artifact pull: names and digests the gateway gives', { timeout: 120_000 }, () => {
  for (const title of ['-', '-rf', '--help']) {
    test(`a file titled ${JSON.stringify(title)} is written to a file, never to stdout or under a name read as an option`, async () => {
      answer = { filename: title, digest: FILE_DIGEST };
      const work = mkdtempSync(join(tmp, 'dash-'));
      const run = await pull(work);
      expectExit(run, 0);
      assert.equal(run.stdout, '', 'none of the artifact\'s bytes on stdout');
      assert.deepEqual(readdirSync(work), ['fw-1.0.0']);
      assert.deepEqual(readFileSync(join(work, 'fw-1.0.0')), FILE);
      assert.match(run.stderr, /note: the gateway named the file .* writing fw-1\.0\.0 instead \(choose with -o\)/);
    });
  }

  test('a title of the longest name the filesystem takes is written under that name', async () => {
    answer = { filename: LONGEST_NAME, digest: FILE_DIGEST };
    const work = mkdtempSync(join(tmp, 'long-'));
    const run = await pull(work);
    expectExit(run, 0);
    assert.deepEqual(readdirSync(work), [LONGEST_NAME]);
    assert.deepEqual(readFileSync(join(work, LONGEST_NAME)), FILE);
  });

  test('a title longer than any file name falls back to <name>-<version>, with a note', async () => {
    answer = { filename: `${'f'.repeat(300)}.bin`, digest: FILE_DIGEST };
    const work = mkdtempSync(join(tmp, 'longer-'));
    const run = await pull(work);
    expectExit(run, 0);
    assert.deepEqual(readdirSync(work), ['fw-1.0.0']);
    assert.match(run.stderr, /note: the gateway named the file/);
  });

  test('-o with the longest name the filesystem takes is written there', async () => {
    answer = { filename: 'fw.bin', digest: FILE_DIGEST };
    const work = mkdtempSync(join(tmp, 'long-o-'));
    const run = await pull(work, '-o', LONGEST_NAME);
    expectExit(run, 0);
    assert.deepEqual(readdirSync(work), [LONGEST_NAME]);
  });

  test('a download the gateway names no digest for is refused, and nothing is written', async () => {
    answer = { filename: 'fw.bin' };
    const work = mkdtempSync(join(tmp, 'no-digest-'));
    const run = await pull(work);
    expectExit(run, 1);
    assert.deepEqual(readdirSync(work), [], 'no file, finished or partial');
    assert.match(run.stderr, /named no digest .*Docker-Content-Digest.*nothing was written/);
    const toStdout = await pull(work, '-o', '-');
    expectExit(toStdout, 1);
    assert.equal(toStdout.stdout, '', 'no unchecked bytes on stdout either');
  });

  test('-o - sends the bytes on only once they match the digest: a program reading stdout never sees other bytes', async () => {
    answer = { filename: 'fw.bin', digest: `sha256:${'0'.repeat(64)}` };
    const work = mkdtempSync(join(tmp, 'stdout-'));
    const refused = await pull(work, '-o', '-');
    expectExit(refused, 1);
    assert.equal(refused.stdout, '', 'bytes of another digest reached stdout');
    assert.match(refused.stderr, /have digest sha256:[0-9a-f]{64}, not sha256:0{64} as the gateway said: nothing was written/);
    answer = { filename: 'fw.bin', digest: FILE_DIGEST };
    const served = await pull(work, '-o', '-');
    expectExit(served, 0);
    assert.equal(served.stdout, FILE.toString());
    assert.deepEqual(readdirSync(work), [], 'nothing left in the working directory');
  });
});
