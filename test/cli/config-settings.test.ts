// The configuration file's keys for gateway peers, mirrors and the blob cache, the content
// indexer (its IPFS API and CONTENT_INDEX_* settings) and the artifact doors' publish limit: each
// applies from the file, its environment variable wins over the file and its flag over both, and
// `hcr config check` names a bad value with its fix (exit 2). `hcr gateway` checks its TLS pair,
// --trust-proxy and --blob-cache before it asks the chain anything, and `hcr dev` applies the
// file's rate limits.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Command } from 'commander';
import { registerDev } from '../../src/cli/commands/dev';
import { registerGateway } from '../../src/cli/commands/gateway';
import { registerIndexer } from '../../src/cli/commands/indexer';
import { applyConfig } from '../../src/config/apply';
import { parseConfig } from '../../src/config/file';
import { parseByteSize } from '../../src/config/values';
import { contentIndexOptionsFromEnv } from '../../src/content-index/config';
import { freePort } from '../../src/indexer/free-port';
import { type Devnet, startDevnet } from '../../src/devnet/node';
import { atMost } from './helpers/at-most';
import { collect, expectExit, spawnHcr, stopChild, waitForOutput } from './helpers/run-hcr';

/** Variables these settings read: cleared so the machine's own cannot decide a test. */
const READ = ['HCR_CONFIG', 'CHAIN_RPC', 'IPFS_API', 'GATEWAY_BLOB_CACHE', 'GATEWAY_PEERS', 'GATEWAY_MIRROR', 'GATEWAY_SURI', 'GATEWAY_TRUST_PROXY', 'GATEWAY_TLS_CERT', 'GATEWAY_TLS_KEY', 'HCR_DATA_DIR', 'DB_URL', 'GRAPHQL_URL', 'GATEWAY_PUBLIC_URL', 'GATEWAY_GRPC_PORT'];
const CONTENT_INDEX_VARIABLES = ['CONCURRENCY', 'POLL_MS', 'RETRY_MIN_MS', 'RETRY_MAX_MS', 'IPFS_RETRY_MS', 'LOOKUP_TIMEOUT_MS'].map((name) => `CONTENT_INDEX_${name}`);

const cleanEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  for (const name of [...READ, ...CONTENT_INDEX_VARIABLES]) delete env[name];
  return { ...env, ...extra };
};

interface Resolved {
  /** The options the command's action would run with. */
  readonly opts: Record<string, unknown>;
  /** The environment it would run with (and pass on to the processes it starts). */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * What `hcr --config FILE <argv>` would run with, in this process: the real commands' options
 * and the configuration file applied as the CLI applies it, the actions replaced by a capture.
 */
async function resolveCommand(argv: string[], yaml: string, vars: NodeJS.ProcessEnv = {}): Promise<Resolved> {
  const saved = { ...process.env };
  process.env = cleanEnv(vars);
  try {
    const program = new Command('hcr').exitOverride();
    registerDev(program);
    registerIndexer(program);
    registerGateway(program);
    let opts: Record<string, unknown> | undefined;
    for (const command of program.commands) command.action((...args: unknown[]) => void (opts = (args.at(-1) as Command).opts()));
    program.hook('preAction', (_program, command) => applyConfig(command, parseConfig(yaml), process.env));
    await program.parseAsync(argv, { from: 'user' });
    assert.ok(opts, `hcr ${argv.join(' ')} ran no action`);
    return { opts, env: { ...process.env } };
  } finally {
    process.env = saved;
  }
}

describe('configuration file: peers, mirrors, the content indexer and the publish limit', () => {
  let dir: string;
  const started: ChildProcess[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-config-settings-'));
    chmodSync(dir, 0o755);
  });
  after(() => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('gateway.peers and gateway.mirror: the file, then GATEWAY_PEERS / GATEWAY_MIRROR, then --peer / --mirror', async () => {
    const yaml = 'gateway:\n  peers: [http://10.0.0.2:5000, https://peer.example.com]\n  mirror: [acme, tools]\n';
    const fromFile = await resolveCommand(['gateway'], yaml);
    assert.deepEqual(fromFile.opts.peer, ['http://10.0.0.2:5000', 'https://peer.example.com']);
    assert.deepEqual(fromFile.opts.mirror, ['acme', 'tools']);
    const fromEnv = await resolveCommand(['gateway'], yaml, { GATEWAY_PEERS: 'http://10.0.0.3:5000,http://10.0.0.4:5000', GATEWAY_MIRROR: 'beta' });
    assert.deepEqual(fromEnv.opts.peer, ['http://10.0.0.3:5000', 'http://10.0.0.4:5000']);
    assert.deepEqual(fromEnv.opts.mirror, ['beta']);
    const fromFlag = await resolveCommand(['gateway', '--peer', 'http://10.0.0.5:5000', '--mirror', 'gamma', '--mirror', 'delta'], yaml, { GATEWAY_PEERS: 'http://10.0.0.3:5000', GATEWAY_MIRROR: 'beta' });
    assert.deepEqual(fromFlag.opts.peer, ['http://10.0.0.5:5000']);
    assert.deepEqual(fromFlag.opts.mirror, ['gamma', 'delta']);
    // An empty variable, as compose passes an unset one, leaves the file's value in force.
    assert.deepEqual((await resolveCommand(['gateway'], yaml, { GATEWAY_PEERS: '' })).opts.peer, ['http://10.0.0.2:5000', 'https://peer.example.com']);
    // One text with commas is a list too.
    assert.deepEqual((await resolveCommand(['gateway'], 'gateway:\n  mirror: acme, tools\n')).opts.mirror, ['acme', 'tools']);
  });

  it('gateway.blobCache: the file, then GATEWAY_BLOB_CACHE, then --blob-cache, each a size in bytes or with a unit', async () => {
    const yaml = 'gateway:\n  blobCache: 20GiB\n';
    assert.equal((await resolveCommand(['gateway'], '')).opts.blobCache, '8GiB');
    assert.equal((await resolveCommand(['gateway'], yaml)).opts.blobCache, '20GiB');
    assert.equal((await resolveCommand(['gateway'], yaml, { GATEWAY_BLOB_CACHE: '0' })).opts.blobCache, '0');
    assert.equal((await resolveCommand(['mirror', 'acme', '--blob-cache', '500MB'], yaml, { GATEWAY_BLOB_CACHE: '0' })).opts.blobCache, '500MB');
    assert.equal((await resolveCommand(['gateway'], 'gateway:\n  blobCache: 1048576\n')).opts.blobCache, '1048576');
    for (const [text, bytes] of [['8GiB', 8 * 2 ** 30], ['500 MB', 500e6], ['1.5TB', 1.5e12], ['0', 0], ['1024', 1024], ['64kib', 65_536]] as const) {
      assert.equal(parseByteSize(text), bytes, text);
    }
    for (const text of ['lots', '-1GiB', '8 GiBs', '', '1e9']) assert.throws(() => parseByteSize(text), /is not a size: give bytes or a number with a unit .*for example 8GiB/, text);
  });

  it('hcr mirror, a gateway too, takes the gateway\'s settings from the file', async () => {
    const { opts } = await resolveCommand(['mirror', 'acme'], 'gateway:\n  port: 5100\n  peers: [http://10.0.0.2:5000]\n  limits:\n    token:\n      perIp: { perMinute: 60, burst: 1 }\n');
    assert.equal(opts.port, '5100');
    assert.deepEqual(opts.peer, ['http://10.0.0.2:5000']);
    assert.deepEqual(opts.limits, { token: { perIp: { perMinute: 60, burst: 1 } } });
  });

  it('contentIndex.ipfsApi is hcr processor\'s and hcr content-index\'s --ipfs-api: the file, then IPFS_API, then the flag', async () => {
    // gateway.ipfsApi shares IPFS_API: it neither stands in for contentIndex.ipfsApi nor hides it.
    const yaml = 'gateway:\n  ipfsApi: http://gateway-kubo:5001\ncontentIndex:\n  ipfsApi: http://kubo:5001\n';
    for (const command of ['processor', 'content-index']) {
      assert.equal((await resolveCommand([command], yaml)).opts.ipfsApi, 'http://kubo:5001', command);
      assert.equal((await resolveCommand([command], yaml, { IPFS_API: 'http://env-kubo:5001' })).opts.ipfsApi, 'http://env-kubo:5001', command);
      assert.equal((await resolveCommand([command, '--ipfs-api', 'http://flag-kubo:5001'], yaml, { IPFS_API: 'http://env-kubo:5001' })).opts.ipfsApi, 'http://flag-kubo:5001', command);
    }
    assert.equal((await resolveCommand(['gateway'], yaml)).opts.ipfsApi, 'http://gateway-kubo:5001');
    // The gateway's Kubo is no content indexer's, and the content indexer's none of the gateway's.
    assert.equal((await resolveCommand(['processor'], 'gateway:\n  ipfsApi: http://gateway-kubo:5001\n')).opts.ipfsApi, 'http://127.0.0.1:5001');
    assert.equal((await resolveCommand(['gateway'], 'contentIndex:\n  ipfsApi: http://kubo:5001\n')).opts.ipfsApi, undefined);
  });

  it('contentIndex.* (CONTENT_INDEX_*) reach the content indexer from the file; the environment wins', async () => {
    const yaml = 'contentIndex:\n  concurrency: 3\n  pollMs: 200\n  retryMinMs: 500\n  retryMaxMs: 60000\n  ipfsRetryMs: 1500\n  lookupTimeoutMs: 4000\n';
    for (const command of ['processor', 'content-index', 'dev']) {
      const { env } = await resolveCommand([command], yaml);
      const options = contentIndexOptionsFromEnv(env);
      assert.deepEqual(
        { concurrency: options.concurrency, pollMs: options.pollMs, retryMinMs: options.retryMinMs, retryMaxMs: options.retryMaxMs, ipfsRetryMs: options.ipfsRetryMs, lookupTimeoutMs: options.lookupTimeoutMs },
        { concurrency: 3, pollMs: 200, retryMinMs: 500, retryMaxMs: 60000, ipfsRetryMs: 1500, lookupTimeoutMs: 4000 },
        command,
      );
    }
    const { env } = await resolveCommand(['processor'], yaml, { CONTENT_INDEX_CONCURRENCY: '6', CONTENT_INDEX_POLL_MS: '50' });
    assert.equal(contentIndexOptionsFromEnv(env).concurrency, 6);
    assert.equal(contentIndexOptionsFromEnv(env).pollMs, 50);
    assert.equal(contentIndexOptionsFromEnv(env).retryMinMs, 500);
  });

  it('gateway.limits (with the artifact doors\' publish.perAccount and artifacts.maxFileBytes, and the wallet API\'s) reach hcr gateway and hcr dev', async () => {
    const yaml = 'gateway:\n  limits:\n    token:\n      perIp: { perMinute: 60, burst: 1 }\n    publish:\n      perAccount: { perMinute: 10, burst: 2 }\n    artifacts: { maxFileBytes: 1048576, maxVersionBytes: 2097152 }\n    walletApi: { streamsPerIp: 2, pendingPerSigner: 1 }\n';
    const expected = { token: { perIp: { perMinute: 60, burst: 1 } }, publish: { perAccount: { perMinute: 10, burst: 2 } }, artifacts: { maxFileBytes: 1048576, maxVersionBytes: 2097152 }, walletApi: { streamsPerIp: 2, pendingPerSigner: 1 } };
    assert.deepEqual((await resolveCommand(['gateway'], yaml)).opts.limits, expected);
    assert.deepEqual((await resolveCommand(['dev'], yaml)).opts.limits, expected);
  });

  // The runs of the real binary (config check, hcr gateway, hcr dev) are independent of each other:
  // each has its own files, ports and data directory, so they overlap (the in-process cases above
  // change process.env while they run, so they stay one at a time, before these).
  describe('hcr in a child process', { concurrency: true }, () => {
    it('hcr config check lists the new settings with what overrides them', async () => {
      const path = file(
        'good.yaml',
        ['gateway:', '  peers: [http://10.0.0.2:5000]', '  mirror: acme', '  limits:', '    publish:', '      perAccount: { perMinute: 30, burst: 5 }', 'contentIndex:', '  ipfsApi: http://kubo:5001', '  concurrency: 2', '  lookupTimeoutMs: 0', ''].join('\n'),
      );
      const result = await collect(spawnHcr(['config', 'check', path], cleanEnv()), 'config check');
      expectExit(result, 0);
      assert.match(result.stdout, /valid, 6 settings/);
      assert.match(result.stdout, /gateway\.peers = \["http:\/\/10\.0\.0\.2:5000"\] {3}\(overridden by --peer, GATEWAY_PEERS\)/);
      assert.match(result.stdout, /gateway\.mirror = \["acme"\] {3}\(overridden by --mirror, GATEWAY_MIRROR\)/);
      assert.match(result.stdout, /gateway\.limits\.publish\.perAccount = \{"perMinute":30,"burst":5\}\n/);
      assert.match(result.stdout, /contentIndex\.ipfsApi = "http:\/\/kubo:5001" {3}\(overridden by --ipfs-api, IPFS_API\)/);
      assert.match(result.stdout, /contentIndex\.concurrency = 2 {3}\(overridden by CONTENT_INDEX_CONCURRENCY\)/);
    });

    it('hcr config check exits 2 naming each bad value of these settings and its fix', async () => {
      const path = file(
        'bad.yaml',
        [
          'gateway:',
          '  peers: [http://10.0.0.2:5000, ftp://10.0.0.3]',
          '  mirror: [acme, Not A Space]',
          '  trustProxy: [10.0.0.0/8, the proxy]',
          '  limits:',
          '    publish:',
          '      perAccount: { perMinute: many }',
          '    artifacts: { maxFileBytes: 1.5 }',
          '    walletApi: { streamsPerIp: 0 }',
          '  blobCache: lots',
          'contentIndex:',
          '  ipfsApi: kubo:5001',
          '  concurrency: 0',
          '  pollMs: -5',
          '  retryMaxMs: soon',
          '  concurency: 4',
          '',
        ].join('\n'),
      );
      const result = await collect(spawnHcr(['config', 'check', path], cleanEnv()), 'config check');
      expectExit(result, 2);
      const lines = result.stderr;
      assert.match(lines, /gateway\.peers: "ftp:\/\/10\.0\.0\.3" is not a peer's base URL: give http\(s\):\/\/host\[:port\] of a gateway that serves \/ipfs\/, for example http:\/\/10\.0\.0\.2:5000/);
      assert.match(lines, /gateway\.mirror: space name "Not A Space" is not valid: use lowercase letters and digits/);
      assert.match(lines, /gateway\.trustProxy: "the proxy" is not an address, a CIDR \(10\.0\.0\.0\/8\) or one of loopback, linklocal, uniquelocal; .*for example trustProxy: \[10\.0\.0\.0\/8\]/);
      assert.match(lines, /gateway\.limits\.publish\.perAccount\.perMinute must be a number ≥ 0 .*for example perAccount: \{ perMinute: 120, burst: 30 \}/);
      assert.match(lines, /gateway\.blobCache must be a size such as 8GiB, 500MB, or 0 for none, got "lots": for example blobCache: 20GiB/);
      assert.match(lines, /gateway\.limits\.artifacts\.maxFileBytes must be a whole number ≥ 1, got 1\.5: for example maxFileBytes: 1073741824/);
      assert.match(lines, /gateway\.limits\.walletApi\.streamsPerIp must be a whole number ≥ 1, got 0: for example streamsPerIp: 16/);
      assert.match(lines, /contentIndex\.ipfsApi must be an http, https URL, got "kubo:5001": for example ipfsApi: http:\/\/kubo:5001/);
      assert.match(lines, /contentIndex\.concurrency must be a whole number ≥ 1, got 0: for example concurrency: 4/);
      assert.match(lines, /contentIndex\.pollMs must be a whole number ≥ 0, got -5: for example pollMs: 1000/);
      assert.match(lines, /contentIndex\.retryMaxMs must be a whole number ≥ 0, got "soon"/);
      assert.match(lines, /contentIndex\.concurency is not a setting: did you mean contentIndex\.concurrency\?/);
    });

    it('hcr gateway refuses a bad --trust-proxy, TLS pair, --mirror or --grpc-port at once, before it asks the chain', async () => {
      // Nothing listens on the chain's port: had the gateway asked it first, it would exit 3 after its retries.
      const chain = `ws://127.0.0.1:${await freePort()}`;
      // Each case its own data directory: they run at the same time.
      const gateway = (i: number, args: string[], extra: NodeJS.ProcessEnv = {}) => collect(spawnHcr(['gateway', '--chain', chain, '--data-dir', join(dir, `data-${i}`), ...args], cleanEnv(extra)), 'gateway');
      const cases: { args: string[]; env?: NodeJS.ProcessEnv; message: RegExp }[] = [
        { args: ['--trust-proxy', '10.0.0.0/8,the proxy'], message: /--trust-proxy \(GATEWAY_TRUST_PROXY, gateway\.trustProxy\): "the proxy" is not an address/ },
        { args: [], env: { GATEWAY_TRUST_PROXY: 'loopbak' }, message: /"loopbak" is not an address, a CIDR/ },
        { args: ['--tls-cert', join(dir, 'absent.crt'), '--tls-key', join(dir, 'absent.key')], message: /the TLS certificate or key cannot be read \(ENOENT.*\): give PEM files the gateway may read \(--tls-cert, --tls-key\)/ },
        { args: ['--config', file('tls.yaml', `gateway:\n  tls: { cert: ${join(dir, 'tls.yaml')}, key: ${join(dir, 'tls.yaml')} }\n`)], message: /the TLS certificate .* and key .* do not load together/ },
        { args: ['--tls-cert', join(dir, 'absent.crt')], message: /--tls-cert and --tls-key go together: give --tls-key/ },
        // An empty secret (a variable set from a missing one) must not quietly serve plain HTTP.
        { args: [], env: { GATEWAY_TLS_CERT: '', GATEWAY_TLS_KEY: '' }, message: /--tls-cert \(GATEWAY_TLS_CERT, gateway\.tls\.cert\) is set but empty: give the PEM certificate's path, or unset it to serve plain HTTP/ },
        { args: ['--mirror', 'Acme'], message: /space name "Acme" is not valid/ },
        { args: ['--peer', 'ftp://10.0.0.3'], message: /"ftp:\/\/10\.0\.0\.3" is not a peer's base URL/ },
        { args: ['--grpc-port', '70000'], message: /--grpc-port "70000" is neither a port \(0 to 65535\) nor off/ },
        { args: ['--blob-cache', '5 lemons'], message: /--blob-cache \(GATEWAY_BLOB_CACHE, gateway\.blobCache\): "5 lemons" is not a size/ },
      ];
      // Three at a time: each is a process start of a couple of seconds' CPU on a 2-core machine.
      const threeAtATime = atMost(3);
      const results = await Promise.all(cases.map(({ args, env }, i) => threeAtATime(() => gateway(i, args, env))));
      cases.forEach(({ message }, i) => {
        expectExit(results[i], 2);
        assert.match(results[i].stderr, message);
        assert.doesNotMatch(results[i].stderr, /cannot reach the chain/);
      });
    });

    describe('against a chain', () => {
      // The dev chain alone: the gateways are its only clients (no client of the test's own to decode its metadata).
      let devnet: Devnet;
      before(async () => {
        devnet = await startDevnet({ port: 0 });
      });
      after(async () => {
        await devnet?.close();
      });

      it('hcr gateway serves the file\'s peers and mirrors; GATEWAY_MIRROR and --peer win over it', async () => {
        const port = await freePort();
        const path = file('gateway.yaml', [`chain: { rpc: "${devnet.wsUrl}" }`, `dataDir: ${join(dir, 'gateway-data')}`, 'gateway:', `  port: ${port}`, '  grpcPort: 0', '  peers: [http://127.0.0.1:9]', '  mirror: [acme]', ''].join('\n'));
        const fromFile = spawnHcr(['--config', path, 'gateway'], cleanEnv());
        started.push(fromFile);
        const out = await waitForOutput(fromFile, /mirror: .*status at/);
        assert.match(out, /peers: http:\/\/127\.0\.0\.1:9\n/);
        assert.match(out, /mirror: acme, status at /);
        assert.deepEqual(((await (await fetch(`http://127.0.0.1:${port}/mirror`)).json()) as { spaces: string[] }).spaces, ['acme']);
        await stopChild(fromFile);

        const overridden = spawnHcr(['--config', path, 'gateway', '--peer', 'http://127.0.0.1:10'], cleanEnv({ GATEWAY_MIRROR: 'beta,gamma' }));
        started.push(overridden);
        const text = await waitForOutput(overridden, /mirror: .*status at/);
        assert.match(text, /peers: http:\/\/127\.0\.0\.1:10\n/);
        assert.match(text, /mirror: beta, gamma, status at /);
        await stopChild(overridden);
      });
    });

    it('hcr dev applies the file\'s rate limits (/token, the doors\' publishes) and its content indexer settings', async () => {
      const path = file(
        'dev.yaml',
        [
          'dev: { graphqlPort: 0, gatewayPort: 0, ipfsPort: 0, processorMetricsPort: 0, verbose: true }',
          'devnet: { port: 0, ephemeral: true }',
          'gateway:',
          '  grpcPort: 0',
          '  limits:',
          '    token: { perIp: { perMinute: 60, burst: 1 } }',
          '    publish: { perAccount: { perMinute: 1, burst: 1 } }',
          'contentIndex: { concurrency: 3 }',
          `dataDir: ${join(dir, 'dev-data')}`,
          '',
        ].join('\n'),
      );
      const dev = spawnHcr(['--config', path, 'dev'], cleanEnv());
      started.push(dev);
      try {
        const out = await waitForOutput(dev, /Ctrl-C stops everything/, 120_000);
        const gateway = /gateway {5}(http:\/\/[\d.:]+)/.exec(out)![1];
        assert.equal((await fetch(`${gateway}/token`)).status, 200);
        const limited = await fetch(`${gateway}/token`);
        assert.equal(limited.status, 429, 'the file\'s /token limit was not applied');

        const token = await collect(spawnHcr(['token', 'create', '--name', 'ci', '--scope', 'publish', '--suri', '//Alice', '--registry', gateway], cleanEnv()), 'token create');
        expectExit(token, 0);
        const publish = async (version: string) => {
          const form = new FormData();
          form.append('metadata', JSON.stringify({ name: 'acme/limited', version }));
          form.append('firmware', new Blob([Buffer.from('firmware')]), 'firmware.bin');
          const response = await fetch(`${gateway}/firmware`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token.stdout.trim()}` } });
          return { status: response.status, body: await response.text() };
        };
        // The first publish takes the one the burst allows (and is refused: Alice has no space acme).
        assert.notEqual((await publish('1.0.0')).status, 429);
        const refused = await publish('1.0.1');
        assert.equal(refused.status, 429, refused.body);
        assert.match(refused.body, /too many publishes by 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY: at most 1 a minute \(bursts of 1\)/);

        await waitForOutput(dev, /content-index: reading manifests from IPFS at .* \(3 at a time\)/);
      } finally {
        await stopChild(dev);
      }
    });
  });
});
