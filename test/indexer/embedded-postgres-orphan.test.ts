// An hcr dev killed with SIGKILL leaves its embedded Postgres running (nothing stopped it). The
// next start on the same data dir stops that Postgres and starts its own, with the data kept,
// instead of failing on the directory; a Postgres that a running process still owns is left
// alone, with an error that says so.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { TYPESCRIPT_NODE_ARGS } from '../../src/config/typescript-runner';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/indexer/embedded-postgres';

const dir = mkdtempSync(join(tmpdir(), 'hcr-pg-orphan-'));
// As root, Postgres runs as the postgres user, which must be able to enter the directory.
chmodSync(dir, 0o755);
const started: EmbeddedPostgres[] = [];
after(async () => {
  for (const postgres of started) await postgres.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const postmasterPid = () => Number(readFileSync(join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

async function query(port: number, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/squid` });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

test('a Postgres left by a killed run is stopped and the next start uses the same data', { timeout: 180_000 }, async () => {
  const holder = spawn(process.execPath, [...TYPESCRIPT_NODE_ARGS, join(__dirname, 'fixtures', 'hold-postgres.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<string>((resolve, reject) => {
    createInterface({ input: holder.stdout! }).on('line', (line) => line.startsWith('ready') && resolve(line));
    holder.once('exit', (code) => reject(new Error(`the holder exited (${code}) before Postgres was ready`)));
  });
  const firstPort = Number(ready.split(' ')[1]);
  await query(firstPort, 'CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)');
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
  const orphan = postmasterPid();
  assert.ok(existsSync(`/proc/${orphan}`), 'the killed run\'s Postgres lives on');

  const lines: string[] = [];
  const postgres = await startEmbeddedPostgres({ dataDir: dir, log: (line) => lines.push(line) });
  started.push(postgres);
  assert.equal(existsSync(`/proc/${orphan}`), false, 'the left Postgres was stopped');
  assert.ok(lines.some((line) => line.includes(`stopping the Postgres (PID ${orphan})`)), lines.join('\n'));
  assert.deepEqual(await query(postgres.port, 'SELECT id FROM kept'), [{ id: 7 }]);

  // This process is running it now: a second start refuses, saying who owns it, and stops nothing.
  await assert.rejects(startEmbeddedPostgres({ dataDir: dir }), /another Postgres \(PID \d+\) is running in .*: is another hcr dev using this data dir\?/);
  assert.deepEqual(await query(postgres.port, 'SELECT id FROM kept'), [{ id: 7 }]);
});
