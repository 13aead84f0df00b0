// A port found free a moment ago can be taken before Postgres binds it (an outgoing connection
// draws its local port from the same range): the embedded Postgres then starts on another port
// instead of failing the whole start.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/indexer/embedded-postgres';
import { freePort } from '../../src/indexer/free-port';

const dir = mkdtempSync(join(tmpdir(), 'hcr-pg-port-'));
chmodSync(dir, 0o755);
let postgres: EmbeddedPostgres | undefined;
let squatter: Server | undefined;
after(async () => {
  await postgres?.stop();
  squatter?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a chosen port taken before Postgres binds it: Postgres starts on another one', { timeout: 180_000 }, async () => {
  squatter = createServer();
  await new Promise<void>((resolve) => squatter!.listen(0, '127.0.0.1', resolve));
  const taken = (squatter.address() as { port: number }).port;
  const handedOut: number[] = [];
  const log: string[] = [];
  postgres = await startEmbeddedPostgres({
    dataDir: dir,
    choosePort: async () => {
      const port = handedOut.length === 0 ? taken : await freePort();
      handedOut.push(port);
      return port;
    },
    log: (line) => log.push(line),
  });
  assert.equal(handedOut.length, 2, 'a second port was chosen after the first was found taken');
  assert.equal(postgres.port, handedOut[1]);
  assert.ok(log.some((line) => line.includes(`port ${taken} was taken`)), 'the retry is logged');
  const client = new Client({ connectionString: postgres.dbUrl });
  await client.connect();
  try {
    assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1);
  } finally {
    await client.end();
  }
});
