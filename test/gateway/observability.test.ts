// The gateway's health, readiness, Prometheus metrics, request ids and structured logs, against
// the dev chain and the embedded IPFS store (a real push and pull through the gateway).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLoginToken } from '../../src/gateway';
import { storeDigestInfo, submitTx } from '../../src/chain';
import { GatewayMetrics } from '../../src/observability/gateway-metrics';
import { createLogger } from '../../src/observability/logger';
import { scrub } from '../../src/observability/redact';
import { json, makeImage, pushImage, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { sample } from './helpers/metrics';

/** The value of one sample in a Prometheus text exposition, or undefined when absent. */
function captureLogs(tty = false) {
  const lines: string[] = [];
  const logger = createLogger({ format: tty ? 'auto' : 'json', service: 'gateway', stream: { isTTY: tty, write: (chunk: string) => lines.push(chunk.trimEnd()) } });
  return { lines, logger };
}

describe('gateway observability', () => {
  let t: TestGateway;
  const image = makeImage([randomBlob(300_000), randomBlob(2000)]);
  before(async () => {
    t = await startTestGateway();
    await pushImage(t.url, 'acme/observed', 'v1', image);
  });
  after(async () => {
    await t?.close();
  });

  it('answers /healthz while the process lives and /readyz with each check and its finding', async () => {
    const alive = await fetch(`${t.url}/healthz`);
    assert.equal(alive.status, 200);
    assert.equal((await json(alive)).status, 'ok');
    const ready = await fetch(`${t.url}/readyz`);
    const body = await json(ready);
    assert.equal(ready.status, 200, JSON.stringify(body));
    assert.equal(body.status, 'ready');
    assert.match(body.checks.chain.detail, /finalized block #\d+/);
    assert.equal(body.checks.ipfs.ok, true);
    assert.equal(body.checks.index, undefined, 'no index is configured, so none is checked');
  });

  it('is not ready while its index cannot be reached, saying which part and what to do', async () => {
    const replica = await t.startReplica({ index: 'http://127.0.0.1:9/graphql' });
    const response = await fetch(`${replica.url}/readyz`);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '5');
    const body = await json(response);
    assert.equal(body.status, 'not ready');
    assert.equal(body.checks.chain.ok, true);
    assert.equal(body.checks.index.ok, false);
    assert.match(body.reason, /^index: the index's GraphQL at http:\/\/127\.0\.0\.1:9\/graphql cannot be reached .*start it \(hcr graphql\) or fix GRAPHQL_URL/);
  });

  it('answers 503 "shutting down" on /readyz once shutdown began, while /healthz still answers', async () => {
    const replica = await t.startReplica();
    replica.gateway.beginShutdown();
    const response = await fetch(`${replica.url}/readyz`);
    assert.equal(response.status, 503);
    assert.match((await json(response)).reason, /shutting down/);
    assert.equal((await fetch(`${replica.url}/healthz`)).status, 200);
  });

  it('gives every request an id in X-Request-Id, keeping a well-formed one the client sent', async () => {
    const fresh = await fetch(`${t.url}/v2/`);
    assert.match(fresh.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const kept = await fetch(`${t.url}/v2/`, { headers: { 'X-Request-Id': 'lb-1234.abc' } });
    assert.equal(kept.headers.get('x-request-id'), 'lb-1234.abc');
    const replaced = await fetch(`${t.url}/v2/`, { headers: { 'X-Request-Id': 'no spaces <allowed>' } });
    assert.notEqual(replaced.headers.get('x-request-id'), 'no spaces <allowed>');
    const error = await fetch(`${t.url}/v2/acme/observed/manifests/missing`);
    assert.equal(error.status, 404);
    assert.ok(error.headers.get('x-request-id'), 'error answers carry the id too');
  });

  it('counts requests, bytes, pull and push latency, IPFS operations, extrinsics, cache hits and open uploads in /metrics', async () => {
    const layer = image.layers[0];
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${t.url}/v2/acme/observed/blobs/${layer.digest}`);
      assert.equal(Buffer.from(await response.arrayBuffer()).length, layer.size);
    }
    assert.equal((await fetch(`${t.url}/v2/acme/observed/manifests/v1`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })).status, 200);
    const started = await fetch(`${t.url}/v2/acme/observed/blobs/uploads/`, { method: 'POST' });
    assert.equal(started.status, 202);

    const response = await fetch(`${t.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const atLeast: [string, Record<string, string>, number][] = [
      ['hcr_gateway_http_requests_total', { route: 'blob', method: 'GET', status: '200' }, 2],
      ['hcr_gateway_http_requests_total', { route: 'manifest', method: 'PUT', status: '201' }, 1],
      ['hcr_gateway_http_requests_total', { route: 'manifest', method: 'GET', status: '404' }, 1],
      ['hcr_gateway_http_sent_bytes_total', { route: 'blob' }, 2 * layer.size],
      ['hcr_gateway_http_received_bytes_total', { route: 'upload' }, layer.size],
      ['hcr_gateway_pull_duration_seconds_count', { kind: 'blob' }, 2],
      ['hcr_gateway_pull_duration_seconds_count', { kind: 'manifest' }, 1],
      ['hcr_gateway_push_duration_seconds_count', { kind: 'manifest' }, 1],
      ['hcr_gateway_push_duration_seconds_count', { kind: 'upload' }, 3],
      ['hcr_gateway_extrinsic_duration_seconds_count', { outcome: 'ok' }, 1],
      // The embedded store imports uploads as they arrive, then takes the upload file.
      ['hcr_gateway_ipfs_operation_duration_seconds_count', { operation: 'importLeavesElsewhere', outcome: 'ok' }, 3],
      ['hcr_gateway_ipfs_operation_duration_seconds_count', { operation: 'adoptFile', outcome: 'ok' }, 1],
      // A pushed blob is served from the cache.
      ['hcr_gateway_blob_cache_requests_total', { result: 'hit' }, 2],
      ['hcr_gateway_process_resident_memory_bytes', {}, 1],
    ];
    for (const [name, labels, least] of atLeast) {
      const value = sample(text, name, labels);
      assert.ok(value !== undefined && value >= least, `${name}${JSON.stringify(labels)} is ${value}, expected at least ${least}`);
    }
    assert.equal(sample(text, 'hcr_gateway_upload_sessions_open'), 1);
  });

  /**
   * The owner repoints a layer's digest to `decoy`; a fresh replica (without a copy of its own,
   * so it must check) is asked for the layer. Its answer is an error or a cut connection, never
   * the decoy; resolves with the replica's /metrics.
   */
  async function pullRepointed(digest: string, decoy: { bytes: Buffer }): Promise<string> {
    const { cid } = await t.store.put([decoy.bytes]);
    await submitTx(t.chain.api, storeDigestInfo(t.chain.api, { repo: 'acme', digest, type: 'File', cid }), t.keys.alice);
    const replica = await t.startReplica();
    const served = await fetch(`${replica.url}/v2/acme/observed/blobs/${digest}`)
      .then(async (response) => (response.status === 200 ? Buffer.from(await response.arrayBuffer()) : undefined))
      .catch(() => undefined);
    assert.ok(!served?.equals(decoy.bytes), 'the repointed bytes were served whole');
    return (await fetch(`${replica.url}/metrics`)).text();
  }

  it('counts a CID whose bytes do not match the digest as a verification failure', async () => {
    // Other bytes of the same size: only their hash can tell them apart.
    const text = await pullRepointed(image.layers[1].digest, randomBlob(image.layers[1].size));
    assert.equal(sample(text, 'hcr_gateway_verification_failures_total'), 1);
    assert.ok((sample(text, 'hcr_gateway_ipfs_operation_duration_seconds_count', { operation: 'get', outcome: 'ok' }) ?? 0) >= 1);
  });

  it('counts a CID that holds another size than the manifest gives the blob as a verification failure', async () => {
    const text = await pullRepointed(image.layers[0].digest, randomBlob(1000));
    assert.equal(sample(text, 'hcr_gateway_verification_failures_total'), 1);
  });

  it('shows a live mirror in /metrics: tags by state, how long the oldest missing one has been missing, the last pass\'s block', async () => {
    const metrics = new GatewayMetrics();
    const before = await metrics.expose();
    assert.doesNotMatch(before.body, /^hcr_gateway_mirror_\w+(\{[^}]*\})? /m, 'a gateway without a mirror shows no mirror values');
    const missingSince = Date.now() - 90_000;
    metrics.watchMirror(() => ({ mirrored: 3, missing: 2, oldestMissingSince: missingSince, lastPassBlock: 41 }));
    const { body } = await metrics.expose();
    assert.match(body, /^hcr_gateway_mirror_tags\{state="mirrored"\} 3$/m);
    assert.match(body, /^hcr_gateway_mirror_tags\{state="missing"\} 2$/m);
    assert.match(body, /^hcr_gateway_mirror_last_pass_block 41$/m);
    const age = Number(/^hcr_gateway_mirror_oldest_missing_seconds (\S+)$/m.exec(body)?.[1]);
    assert.ok(age >= 90 && age < 120, `oldest missing for ${age} s`);
    metrics.watchMirror(() => ({ mirrored: 5, missing: 0 }));
    assert.match((await metrics.expose()).body, /^hcr_gateway_mirror_oldest_missing_seconds 0$/m);
  });

  it('logs each request as one JSON line with its id, status, bytes and duration, and no credentials', async () => {
    const { lines, logger } = captureLogs();
    const replica = await t.startReplica({ logger, auth: {} });
    const login = await createLoginToken(t.keys.alice, replica.service);
    const basic = Buffer.from(`${t.keys.alice.address}:${login}`).toString('base64');
    const tokenResponse = await fetch(`${replica.url}/token?service=${encodeURIComponent(replica.service)}&scope=repository:acme/observed:pull&password=${login}`, { headers: { Authorization: `Basic ${basic}` } });
    assert.equal(tokenResponse.status, 200);
    const { token } = await json(tokenResponse);
    const pulled = await fetch(`${replica.url}/v2/acme/observed/manifests/v1`, { headers: { Authorization: `Bearer ${token}`, 'X-Request-Id': 'trace-42' } });
    assert.equal(pulled.status, 200);
    await pulled.arrayBuffer();
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const manifestLine = records.find((record) => record.requestId === 'trace-42');
    assert.ok(manifestLine, lines.join('\n'));
    assert.equal(manifestLine.msg, 'request');
    assert.equal(manifestLine.level, 'info');
    assert.equal(manifestLine.service, 'gateway');
    assert.equal(manifestLine.route, 'manifest');
    assert.equal(manifestLine.status, '200');
    assert.ok((manifestLine.bytesOut as number) > image.manifest.size);
    assert.equal(typeof manifestLine.ms, 'number');
    assert.match(String(manifestLine.time), /^\d{4}-\d\d-\d\dT/);
    const all = lines.join('\n');
    assert.ok(!all.includes(login), 'a login token reached the log');
    assert.ok(!all.includes(token), 'an access token reached the log');
    assert.match(all, /password=\[redacted\]/);
  });

  it('writes readable lines instead of JSON on a terminal', async () => {
    const { lines, logger } = captureLogs(true);
    const replica = await t.startReplica({ logger });
    await (await fetch(`${replica.url}/v2/`, { headers: { 'X-Request-Id': 'tty-1' } })).arrayBuffer();
    const line = lines.find((l) => l.includes('requestId=tty-1'));
    assert.ok(line, lines.join('\n'));
    assert.match(line, /^\d\d:\d\d:\d\d\.\d{3} INFO  gateway: request .*status=200/);
    assert.throws(() => JSON.parse(line));
  });

  it('scrubs credentials from any log text: authorization values, JWTs, URL passwords, token parameters, secret URIs', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz';
    assert.equal(scrub(`Authorization: Bearer ${jwt}`), 'Authorization: Bearer [redacted]');
    assert.equal(scrub(`token ${jwt} used`), 'token [redacted jwt] used');
    assert.equal(scrub('postgres://squid:hunter2@db:5432/squid'), 'postgres://squid:***@db:5432/squid');
    // A password holding `@` or `/` is hidden whole, not up to its first `@`.
    assert.equal(scrub('DB_URL=postgres://squid:hun@ter/2@db:5432/squid failed'), 'DB_URL=postgres://squid:***@db:5432/squid failed');
    assert.equal(scrub('wss://API_KEY@rpc.example.com'), 'wss://***@rpc.example.com');
    assert.equal(scrub('/token?scope=x&refresh_token=abc.def'), '/token?scope=x&refresh_token=[redacted]');
    assert.equal(scrub('GATEWAY_SURI=bottom drive obey lake curtain smoke basket hold race lonely fit walk//Gateway'), 'GATEWAY_SURI=[redacted secret uri]');
    const { lines, logger } = captureLogs();
    logger.info('started', { suri: '//Gateway', password: 'p', dbUrl: 'postgres://u:pw@h/db', port: 5000 });
    const record = JSON.parse(lines[0]);
    assert.deepEqual([record.suri, record.password, record.dbUrl, record.port], ['[redacted]', '[redacted]', 'postgres://u:***@h/db', 5000]);
  });
});
