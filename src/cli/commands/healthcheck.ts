// `hcr healthcheck [URL]`: the container's HEALTHCHECK. Exit 0 when the service in this
// container answers, 1 otherwise. Without a URL (and without HCR_HEALTHCHECK_URL) it asks the
// local ports each service listens on by default, so one image's HEALTHCHECK serves every role:
// the gateway's and GraphQL's /healthz, the processor's metrics, the dev chain's system_health.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Command } from 'commander';
import { DEFAULTS } from '../../config/defaults';
import { hideUrlLogins } from '../../observability/url-logins';
import { EXIT } from '../errors';
import { checkedUrl, type UrlFlag } from '../url-flags';
import { describeCommand } from '../command-summaries';

/** What the probe URL may be: a service's HTTP endpoint, or a chain node's RPC (asked system_health). */
const PROBE_URL: UrlFlag = {
  schemes: ['http', 'https', 'ws', 'wss'],
  fix: 'give the address to probe, http(s)://host:port/path of a service\'s /healthz or /metrics, or ws://host:port of a chain node, for example http://127.0.0.1:5000/healthz',
};

function probe(url: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const jsonRpc = target.protocol === 'ws:' || target.protocol === 'wss:';
    if (jsonRpc) target.protocol = target.protocol === 'wss:' ? 'https:' : 'http:';
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    // A probe of this very container: its certificate names the public host, not 127.0.0.1.
    const req = send(target, { method: jsonRpc ? 'POST' : 'GET', headers: jsonRpc ? { 'content-type': 'application/json' } : {}, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? undefined : `${url} answered ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (error) => resolve(`${url}: ${error.message}`));
    req.end(jsonRpc ? '{"jsonrpc":"2.0","id":1,"method":"system_health","params":[]}' : undefined);
  });
}

export function registerHealthcheck(program: Command): void {
  program
    .command('healthcheck [url]')
    .description(describeCommand('healthcheck'))
    .option('--timeout <seconds>', 'how long each probe waits', '4')
    .action(async (url: string | undefined, flags: { timeout: string }) => {
      const timeoutMs = Math.max(1, Number(flags.timeout) || 4) * 1000;
      const gatewayScheme = process.env.GATEWAY_TLS_CERT ? 'https' : 'http';
      // A malformed URL is the probe's configuration, not the service's health: a usage error
      // (exit 2) naming the argument or variable and the form, never "Invalid URL" as if unhealthy.
      const given = url?.trim() || undefined;
      const fromEnv = given === undefined ? process.env.HCR_HEALTHCHECK_URL?.trim() || undefined : undefined;
      const chosen = given ?? fromEnv;
      if (chosen !== undefined) checkedUrl('healthcheck URL', given === undefined ? ' (from HCR_HEALTHCHECK_URL)' : '', chosen, PROBE_URL);
      const candidates = chosen !== undefined
        ? [chosen]
        : [
            `${gatewayScheme}://127.0.0.1:${DEFAULTS.gatewayPort}/healthz`,
            `http://127.0.0.1:${process.env.GQL_PORT || DEFAULTS.graphqlPort}/healthz`,
            `http://127.0.0.1:${process.env.PROMETHEUS_PORT || 3000}/metrics`,
            `ws://127.0.0.1:${DEFAULTS.devnetPort}`,
          ];
      const failures = await Promise.all(candidates.map((candidate) => probe(candidate, timeoutMs)));
      if (failures.some((failure) => failure === undefined)) {
        console.log(`healthy: ${hideUrlLogins(candidates[failures.indexOf(undefined)])}`);
        process.exit(EXIT.ok);
      }
      // The container's health log is shown by `docker inspect`: a URL's password is starred out.
      console.error(`unhealthy: ${hideUrlLogins(failures.join('; '))}`);
      process.exit(EXIT.failed);
    });
}
