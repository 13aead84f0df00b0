// docs/grafana-dashboard.json: every metric a panel queries is one the gateway, the GraphQL
// server or Subsquid's processor exports, so the dashboard shows data rather than "No data".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GatewayMetrics } from '../../src/observability/gateway-metrics';
import { createGraphqlMetrics } from '../../src/indexer/graphql-observability';

const ROOT = resolve(__dirname, '../..');

interface Panel {
  type: string;
  title: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: { expr: string; refId: string; datasource: { uid: string } }[];
}

async function exported(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const registry of [new GatewayMetrics().registry, createGraphqlMetrics().registry]) {
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) names.add(`${metric.name}${suffix}`);
    }
  }
  // Subsquid's processor metrics, as its runner registers them.
  const subsquid = readFileSync(require.resolve('@subsquid/util-internal-processor-tools/lib/prometheus.js'), 'utf8');
  for (const match of subsquid.matchAll(/name: '(sqd_processor_\w+)'/g)) names.add(match[1]);
  return names;
}

test('every metric the Grafana dashboard queries is exported, and every panel is placed and has a query', async () => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs/grafana-dashboard.json'), 'utf8')) as { panels: Panel[]; templating: { list: { name: string }[] } };
  assert.ok(dashboard.templating.list.some((variable) => variable.name === 'datasource'));
  const names = await exported();
  const queried = new Set<string>();
  for (const panel of dashboard.panels) {
    assert.ok(panel.gridPos, `panel "${panel.title}" has no position`);
    if (panel.type === 'row') continue;
    assert.ok(panel.targets && panel.targets.length > 0, `panel "${panel.title}" queries nothing`);
    for (const target of panel.targets) {
      assert.equal(target.datasource.uid, '${datasource}');
      for (const [name] of target.expr.matchAll(/\b(?:hcr_gateway|hcr_graphql|sqd_processor)_\w+/g)) {
        assert.ok(names.has(name), `panel "${panel.title}" queries ${name}, which nothing exports`);
        queried.add(name);
      }
    }
  }
  // The list: each of these is on the dashboard.
  for (const name of ['hcr_gateway_http_requests_total', 'hcr_gateway_http_sent_bytes_total', 'hcr_gateway_http_received_bytes_total', 'hcr_gateway_pull_duration_seconds_bucket', 'hcr_gateway_push_duration_seconds_bucket', 'hcr_gateway_extrinsic_duration_seconds_bucket', 'hcr_gateway_extrinsic_failures_total', 'hcr_gateway_ipfs_operation_duration_seconds_bucket', 'hcr_gateway_verification_failures_total', 'hcr_gateway_blob_cache_requests_total', 'hcr_gateway_upload_sessions_open', 'hcr_gateway_peer_received_bytes_total', 'hcr_gateway_peer_failures_total', 'hcr_graphql_request_duration_seconds_bucket', 'sqd_processor_last_block']) {
    assert.ok(queried.has(name), `the dashboard does not show ${name}`);
  }
});
