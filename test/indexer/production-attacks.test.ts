// The GraphQL server's /readyz and /metrics as an anonymous caller sees them: the Postgres URL and
// CHAIN_RPC it was given are named without their credentials, and no stack trace comes back.
// (No Postgres or chain is started: both are unreachable, which is when the answer says most.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { observeGraphql } from '../../src/indexer/graphql-observability';

let server: Server;
let base: string;

before(async () => {
  const app = express();
  observeGraphql(app, { dbUrl: 'postgres://squid:pgHunter2@127.0.0.1:9/squid', chainRpc: 'ws://rpcuser:rpcS3cret@127.0.0.1:9' });
  app.post('/graphql', (_req, res) => res.json({ data: {} }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('/readyz names Postgres and CHAIN_RPC without their passwords, and no stack trace', async () => {
  const response = await fetch(`${base}/readyz`);
  const text = await response.text();
  assert.equal(response.status, 503, text);
  assert.doesNotMatch(text, /pgHunter2|rpcS3cret/, `an anonymous caller of /readyz learns a credential: ${text}`);
  assert.doesNotMatch(text, /\n\s+at /);
  const body = JSON.parse(text) as { checks: Record<string, { ok: boolean; detail: string }> };
  assert.equal(body.checks.postgres.ok, false);
  assert.match(body.checks.index.detail, /the chain at ws:\/\/rpcuser:\*\*\*@127\.0\.0\.1:9 cannot be reached/);
});

test('/metrics carries no request input in its labels: made-up paths and methods add no series', async () => {
  const before = await (await fetch(`${base}/metrics`)).text();
  for (let i = 0; i < 20; i++) await fetch(`${base}/graphql?x=${i}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `r${i}` }, body: '{}' });
  for (let i = 0; i < 20; i++) await fetch(`${base}/made-up-${i}`);
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.doesNotMatch(text, /made-up|x=\d|r\d+"/);
  // One series per status the server answered with (200 and 404 here), whatever the requests named.
  const labelSets = new Set(text.split('\n').filter((line) => line.startsWith('hcr_graphql_requests_total{')).map((line) => line.slice(0, line.lastIndexOf(' '))));
  assert.deepEqual([...labelSets].sort(), ['hcr_graphql_requests_total{status="200"}', 'hcr_graphql_requests_total{status="404"}']);
  assert.doesNotMatch(text, /pgHunter2|rpcS3cret|127\.0\.0\.1:9/);
});
