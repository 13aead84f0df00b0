// The gateway's own credentials stay out of its logs wherever a client puts them. Each request's
// log line names its path and query: an API token (hcrt_…) sent as a query parameter named
// anything but password= or token= (`?api_key=`, `?key=`) was written whole, and whoever reads the
// logs could act as its account until it was revoked. A login token (hcr1.…) was left in any text
// a line quotes (only a request line's 300-character cut kept its signature out of that line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loginMessage, loginTokenFromSignature, newLoginClaims } from '../../src/gateway/auth/login-token';
import { observeRequests } from '../../src/gateway/http/observe';
import { createLogger } from '../../src/observability/logger';
import { scrub } from '../../src/observability/redact';

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

/** A login token as `hcr login --print-token` makes one (the signature's bytes do not matter to a log). */
const loginToken = () => loginTokenFromSignature(loginMessage(newLoginClaims(ALICE, 'registry.example.com')), randomBytes(64));

/** An API token as `hcr token create` hands one out: `hcrt_<id>_<secret>`. */
const apiToken = () => ({ id: randomBytes(8).toString('hex'), secret: randomBytes(32).toString('hex') });

test('request log lines carry no login or API token a client put in the query, under any parameter name', async () => {
  const lines: string[] = [];
  const logger = createLogger({ format: 'json', service: 'gateway', stream: { write: (chunk: string) => lines.push(chunk.trimEnd()) } });
  const app = express();
  app.use(observeRequests({ logger }));
  app.use((_req, res) => res.status(404).end());
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const login = loginToken();
  const api = apiToken();
  const otherApi = apiToken();
  try {
    for (const path of [`/firmware?login=${login}`, `/api/packages?api_key=hcrt_${api.id}_${api.secret}`, `/v2/acme/app/tags/list?n=1&key=hcrt_${otherApi.id}_${otherApi.secret}`, `/api/tokens/${login}`]) {
      await (await fetch(`${base}${path}`)).arrayBuffer();
    }
    await new Promise((resolve) => setImmediate(resolve));
    const all = lines.join('\n');
    assert.equal(lines.length, 4, all);
    const signature = login.split('.')[2];
    assert.ok(!all.includes(signature), `a login token reached the log: ${all}`);
    assert.ok(!all.includes(api.secret) && !all.includes(otherApi.secret), `an API token's secret reached the log: ${all}`);
    // Still says which API token was sent: its id is public (hcr token ls).
    assert.ok(all.includes(`key=hcrt_${otherApi.id}_[redacted]`), all);
    assert.match(all, /\/firmware\?login=\[redacted login token\]/);
    assert.match(all, /\/api\/packages\?api_key=\[redacted\]"/);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('scrub hides login and API tokens anywhere in text, and the parameters named as secret fields are', () => {
  const login = loginToken();
  const api = apiToken();
  assert.equal(scrub(`Authorization header was ${login} in a message`), 'Authorization header was [redacted login token] in a message');
  assert.equal(scrub(`used hcrt_${api.id}_${api.secret}.`), `used hcrt_${api.id}_[redacted].`);
  assert.equal(scrub('/v2/?api_key=k1&apikey=k2&passwd=p1&pass=p2&private_key=p3&n=5'), '/v2/?api_key=[redacted]&apikey=[redacted]&passwd=[redacted]&pass=[redacted]&private_key=[redacted]&n=5');
  // What is not a credential is left alone.
  assert.equal(scrub('/v2/acme/hcr1/tags/list?n=10&last=hcr1.2'), '/v2/acme/hcr1/tags/list?n=10&last=hcr1.2');
});
