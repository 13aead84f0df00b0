// The configuration file: `hcr config check` (exit 0, or 2 naming each bad key and its fix), and
// services started with --config taking their settings from it, with flags and environment
// variables winning over it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../src/indexer/free-port';
import { collect, expectExit, spawnHcr, waitForOutput } from './helpers/run-hcr';

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const clean = { ...process.env };
  for (const name of ['CHAIN_RPC', 'HCR_CONFIG', 'HCR_LOG_FORMAT', 'HCR_LOG_LEVEL', 'GATEWAY_SURI', 'IPFS_API', 'GRAPHQL_URL', 'GATEWAY_PUBLIC_URL', 'HCR_DATA_DIR']) delete clean[name];
  return { ...clean, ...extra };
};

describe('configuration file', () => {
  let dir: string;
  const started: ChildProcess[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-config-'));
  });
  after(() => {
    for (const child of started) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const check = (path: string) => collect(spawnHcr(['config', 'check', path], env()), 'config check');

  it('hcr config check accepts a valid file and lists each setting with what wins over it', async () => {
    const path = file('good.yaml', ['dataDir: /var/lib/hcr', 'chain:', '  rpc: wss://node.example.com', 'gateway:', '  port: 5000', '  trustProxy: [10.0.0.0/8, 192.168.1.7]', '  tls: { cert: /etc/hcr/tls.crt, key: /etc/hcr/tls.key }', '  limits:', '    token:', '      perIp: { perMinute: 60, burst: 20 }', 'processor:', '  cacheEntries: 0', ''].join('\n'));
    const result = await check(path);
    expectExit(result, 0);
    assert.match(result.stdout, /good\.yaml: valid, 8 settings/);
    assert.match(result.stdout, /gateway\.port = 5000 {3}\(overridden by --port\)/);
    assert.match(result.stdout, /chain\.rpc = "wss:\/\/node\.example\.com" {3}\(overridden by --chain, CHAIN_RPC\)/);
    assert.match(result.stdout, /gateway\.trustProxy = "10\.0\.0\.0\/8,192\.168\.1\.7"/);
    assert.match(result.stdout, /processor\.cacheEntries = 0 {3}\(overridden by PROCESSOR_CACHE_ENTRIES\)/);
  });

  it('the README\'s example configuration is valid', async () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const example = /```yaml\n(dataDir:[\s\S]*?)```/.exec(readme);
    assert.ok(example, 'the README has no example configuration');
    const result = await check(file('readme.yaml', example[1]));
    expectExit(result, 0);
    assert.match(result.stdout, /valid, \d{2} settings/);
  });

  it('hcr config check exits 2 naming every bad key and its fix', async () => {
    const path = file(
      'bad.yaml',
      ['gateway:', '  prot: 5000', '  port: abc', '  suri: //Gateway', '  tls:', '    cert: /etc/hcr/tls.crt', '  limits:', '    uploads:', '      perIp: { perMinute: -1 }', 'graphql:', '  responseCache: maybe', 'procesor:', '  from: 3', ''].join('\n'),
    );
    const result = await check(path);
    expectExit(result, 2);
    const lines = result.stderr;
    assert.match(lines, /bad\.yaml is not a valid configuration:/);
    assert.match(lines, /gateway\.prot is not a setting: did you mean gateway\.port\?/);
    assert.match(lines, /gateway\.port must be a port number from 0 to 65535, got "abc": for example port: 5000/);
    assert.match(lines, /gateway\.suri is not a setting: .*name it with gateway\.suriFile, or set GATEWAY_SURI/);
    assert.match(lines, /gateway\.tls\.cert is set without gateway\.tls\.key: add the private key's file as gateway\.tls\.key/);
    assert.match(lines, /gateway\.limits\.uploads\.perIp\.perMinute must be a number ≥ 0 \(0 turns the limit off\), got -1: for example perIp: /);
    assert.match(lines, /graphql\.responseCache must be true or false, got "maybe"/);
    assert.match(lines, /procesor is not a setting: did you mean processor/);
  });

  it('hcr config check names a YAML syntax error by line, and a missing file by the flag that names it', async () => {
    const broken = await check(file('broken.yaml', 'gateway:\n  port: 5000\n   host: x\n'));
    expectExit(broken, 2);
    assert.match(broken.stderr, /it is not valid YAML: .* at line \d+, column \d+/);
    const missing = await check(join(dir, 'absent.yaml'));
    expectExit(missing, 2);
    assert.match(missing.stderr, /it cannot be read \(ENOENT\): check the path given to --config or HCR_CONFIG/);
  });

  it('services take their settings from --config; a flag, then an environment variable, win over the file', async () => {
    const [chainPort, filePort, flagPort] = await freePorts(3);
    const path = file(
      'services.yaml',
      ['chain:', `  rpc: ws://127.0.0.1:${chainPort}`, 'log:', '  format: json', 'devnet:', `  port: ${chainPort}`, '  ephemeral: true', 'gateway:', `  port: ${filePort}`, '  limits:', '    token:', '      perIp: { perMinute: 60, burst: 1 }', `dataDir: ${join(dir, 'data')}`, ''].join('\n'),
    );
    const devnet = spawnHcr(['--config', path, 'devnet'], env());
    started.push(devnet);
    await waitForOutput(devnet, new RegExp(`chain RPC: ws://127\\.0\\.0\\.1:${chainPort}`));

    const fromFile = spawnHcr(['--config', path, 'gateway'], env());
    started.push(fromFile);
    const fileOut = await waitForOutput(fromFile, new RegExp(`gateway: http://127\\.0\\.0\\.1:${filePort}`));
    assert.match(fileOut, /read-only replica/);
    assert.equal((await fetch(`http://127.0.0.1:${filePort}/token`)).status, 200);
    const limited = await fetch(`http://127.0.0.1:${filePort}/token`);
    assert.equal(limited.status, 429, 'the file\'s rate limit was not applied');
    const logs = await waitForOutput(fromFile, /"msg":"request"/);
    const line = logs.split('\n').find((l) => l.includes('"msg":"request"'))!;
    assert.equal(JSON.parse(line).route, 'token');

    const overridden = spawnHcr(['--config', path, 'gateway', '--port', String(flagPort)], env({ HCR_LOG_FORMAT: 'text', HCR_DATA_DIR: join(dir, 'other-data') }));
    started.push(overridden);
    await waitForOutput(overridden, new RegExp(`gateway: http://127\\.0\\.0\\.1:${flagPort}`));
    await (await fetch(`http://127.0.0.1:${flagPort}/v2/`)).arrayBuffer();
    const text = await waitForOutput(overridden, /INFO +gateway: request /);
    assert.doesNotMatch(text, /"msg":"request"/, 'HCR_LOG_FORMAT did not win over the file');
  });
});
