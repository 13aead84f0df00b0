// The README's artifact examples run as written against `hcr dev`: the firmware server's curl
// lines, the package registry's, a gRPC client built from the proto with @grpc/grpc-js, and the
// `hcr artifact` forms. Then each artifact published through one door is found through the other
// two, through GraphQL and through skopeo (inspect, and copy to a directory, byte-identical).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { missingTools, run } from '../gateway/helpers/tools';
import { localized, readmeExamples } from './helpers/readme-examples';

const ROOT = join(__dirname, '..', '..');
const HCR = join(ROOT, 'bin', 'hcr.js');
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

interface Dev {
  child: ChildProcess;
  chain: string;
  gateway: string;
  grpc: string;
  graphql: string;
}

function startDev(dataDir: string): Promise<Dev> {
  const child = spawn(process.execPath, [HCR, 'dev', '--ephemeral', '--data-dir', dataDir, '--port', '0', '--graphql-port', '0', '--gateway-port', '0', '--ipfs-port', '0', '--processor-metrics-port', '0', '--grpc-port', '0', '--default-space', 'acme'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hcr dev did not start within 180 s:\n${out}`)), 180_000);
    child.on('exit', (code) => reject(new Error(`hcr dev exited with ${code}:\n${out}`)));
    child.stdout!.on('data', () => {
      if (!out.includes('Ctrl-C stops everything')) return;
      clearTimeout(timer);
      const find = (label: string, pattern: RegExp) => pattern.exec(out.split('\n').find((l) => l.trim().startsWith(label)) ?? '')?.[0] ?? '';
      resolve({ child, chain: find('chain RPC', /ws:\/\/[\d.:]+/), gateway: find('gateway', /http:\/\/[\d.:]+/).replace('http://', ''), grpc: find('plugins', /[\d.]+:\d+/), graphql: find('GraphQL', /http:\/\/[\d.:]+\/graphql/) });
    });
  });
}

test('the README\'s artifact examples against hcr dev, and each artifact found through every other way in', { timeout: 900_000, skip: missingTools(['curl', 'skopeo'], 'curl skopeo') }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcr-doors-dev-'));
  chmodSync(dataDir, 0o755);
  const work = mkdtempSync(join(tmpdir(), 'hcr-doors-work-'));
  let dev: Dev | undefined;
  t.after(() => {
    dev?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  dev = await startDev(dataDir);
  const examples = readmeExamples(ROOT);
  assert.deepEqual([...examples.keys()].sort(), ['cli', 'firmware', 'grpc', 'packages', 'setup']);
  const env: NodeJS.ProcessEnv = { ...process.env, CHAIN_RPC: dev.chain, HCR_REGISTRY: `http://${dev.gateway}`, NODE_PATH: join(ROOT, 'node_modules') };
  const example = (name: string) => localized(examples.get(name)!, { gateway: dev!.gateway, grpc: dev!.grpc, hcr: `node ${HCR}` });
  const bash = async (script: string) => (await run('bash', ['-e', '-c', script], { cwd: work, env, timeoutMs: 300_000 })).stdout;

  const firmware = randomBytes(200_000);
  const tarball = randomBytes(80_000);
  const plugin = randomBytes(30_000);
  writeFileSync(join(work, 'firmware.bin'), firmware);
  writeFileSync(join(work, 'sensor-drivers-1.2.0.tar.gz'), tarball);
  writeFileSync(join(work, 'auth-plugin.so'), plugin);
  mkdirSync(join(work, 'src/gateway/doors/plugins'), { recursive: true });
  copyFileSync(join(ROOT, 'src/gateway/doors/plugins/spacecore.proto'), join(work, 'src/gateway/doors/plugins/spacecore.proto'));

  const token = (await bash(`${example('setup')}\nprintf '%s' "$TOKEN"`)).trim().split('\n').pop()!;
  assert.match(token, /^hcrt_[0-9a-f]{16}_[0-9a-f]{64}$/);
  env.TOKEN = token;

  const firmwareOut = await bash(example('firmware'));
  assert.match(firmwareOut, /"success":true,"name":"base","version":"1.0.0","size":200000/);
  assert.match(firmwareOut, /\[\{"name":"base","firmware":\[\{"name":"base","version":"1.0.0","size":200000,"labels":\{"app":"base"\},"download_url":"\/firmware\/base\/1.0.0"/);
  assert.match(firmwareOut, /"status":"healthy"/);
  assert.ok(readFileSync(join(work, 'firmware.bin')).equals(firmware), 'the download is the uploaded binary');

  const packagesOut = await bash(example('packages'));
  assert.match(packagesOut, /"name":"acme\/sensor-drivers","version":"1.2.0"/);
  assert.match(packagesOut, /"description":"Sensor drivers","keywords":\["iot","drivers"\]/);
  assert.match(packagesOut, /"range":"\^1.0","version":"1.2.0"/);
  assert.ok(readFileSync(join(work, 'sensor-drivers.tar.gz')).equals(tarball));
  assert.match(packagesOut, /"results":\[\{"name":"acme\/sensor-drivers"/);

  const grpcLines = (await run(process.execPath, ['-e', example('grpc')], { cwd: work, env, timeoutMs: 120_000 })).stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(grpcLines[0].message, 'Plugin registered successfully');
  assert.deepEqual(grpcLines[1], { name: 'auth', version: '1.0.0', cid: grpcLines[0].cid, path: 'auth' });
  assert.deepEqual(grpcLines[2], [grpcLines[1]]);

  const cliOut = await bash(example('cli'));
  assert.match(cliOut, /pushed acme\/sensor:1\.0\.0 \(firmware, 200000 bytes/);
  const resolved = /^1\.0\.3 (sha256:[0-9a-f]{64})$/m.exec(cliOut);
  assert.ok(resolved, `resolve printed the version and digest:\n${cliOut}`);
  assert.match(cliOut, /acme\/sensor\s+1\.1\.0\s+3\s+firmware/);
  assert.ok(readFileSync(join(work, 'firmware.bin')).equals(firmware), 'pull wrote the bytes of 1.1.0');
  const pulled = await run(process.execPath, [HCR, 'artifact', 'pull', 'acme/sensor@^1.0', '-o', join(work, 'pulled.bin'), '--json'], { cwd: work, env });
  assert.equal(JSON.parse(pulled.stdout).version, '1.1.0');
  // The CLI's failures: the gateway's message and the documented exit code, no stack trace.
  const hcr = (args: string[]) => spawnSync(process.execPath, [HCR, ...args], { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
  const failures: [string[], number, RegExp][] = [
    [['artifact', 'push', 'acme/sensor:1.0.0', 'firmware.bin', '--kind', 'firmware', '--suri', '//Alice'], 1, /acme\/sensor 1\.0\.0 is already published/],
    [['artifact', 'push', 'acme/sensor:1.2.0', 'firmware.bin', '--kind', 'firmware'], 2, /pushing needs a token/],
    [['artifact', 'resolve', 'acme/sensor@^9'], 1, /no version of acme\/sensor satisfies "\^9"/],
    [['artifact', 'resolve', 'acme/sensor@one'], 2, /"one" is not a semver range/],
    [['artifact', 'pull', 'sensor'], 2, /names no artifact/],
    [['token', 'create', '--name', 'x', '--scope', 'root', '--suri', '//Alice'], 2, /scopes must be one or more of read, publish, admin/],
  ];
  for (const [args, code, message] of failures) {
    const result = hcr(args);
    assert.equal(result.status, code, `hcr ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  }
  const listed = JSON.parse(hcr(['artifact', 'ls', 'acme', '--kind', 'firmware', '--json']).stdout);
  assert.deepEqual(listed.packages.map((p: any) => [p.name, p.latest]).sort(), [['acme/base', '1.0.0'], ['acme/sensor', '1.1.0']]);
  const tokens = JSON.parse(hcr(['token', 'ls', '--suri', '//Alice', '--json']).stdout);
  assert.deepEqual(tokens.tokens.map((t: any) => [t.name, t.scopes]), [['ci', ['publish']]]);
  // The HTTP doors are in their OpenAPI description.
  const openapi = (await (await fetch(`http://${dev.gateway}/doors/openapi.json`)).json()) as { paths: Record<string, unknown> };
  for (const path of ['/firmware', '/firmware/{name}/{version}', '/health', '/api/packages/publish', '/api/packages/{name}', '/api/packages/{name}/resolve', '/api/packages/{name}/{version}/download', '/api/search', '/api/tokens']) assert.ok(openapi.paths[path], path);

  // One artifact from each door, found through the other two, GraphQL and skopeo.
  const pb = grpc.loadPackageDefinition(loadSync(join(ROOT, 'src/gateway/doors/plugins/spacecore.proto'), { keepCase: true, defaults: true, oneofs: true })).pb as grpc.GrpcObject;
  const client = new (pb.PluginRegistry as grpc.ServiceClientConstructor)(dev.grpc, grpc.credentials.createInsecure()) as any;
  t.after(() => client.close());
  const rpc = (method: string, request: object) => new Promise<any>((resolve, reject) => client[method](request, (error: Error | null, answer: any) => (error ? reject(error) : resolve(answer))));
  const base = `http://${dev.gateway}`;
  for (const [door, name, version, bytes] of [['firmware', 'acme/base', '1.0.0', firmware], ['packages', 'acme/sensor-drivers', '1.2.0', tarball], ['grpc', 'acme/auth', '1.0.0', plugin]] as const) {
    const what = `${name}:${version} (published through the ${door} door)`;
    const viaFirmware = Buffer.from(await (await fetch(`${base}/firmware/${name}/${version}`)).arrayBuffer());
    assert.ok(viaFirmware.equals(bytes), `${what} downloads through the firmware routes`);
    const listed = (await (await fetch(`${base}/firmware?name=${name}`)).json()) as any[];
    assert.ok(listed[0].firmware.some((f: any) => f.version === version), `${what} is listed by the firmware routes`);
    const info = (await (await fetch(`${base}/api/packages/${name}`)).json()) as any;
    const entry = info.versions.find((v: any) => v.version === version);
    assert.equal(entry.sha256, sha256(bytes), `${what} is a package`);
    assert.ok(Buffer.from(await (await fetch(`${base}${entry.downloadUrl}`)).arrayBuffer()).equals(bytes));
    const got = await rpc('GetPlugin', { name, version });
    assert.equal(got.plugin.cid, entry.cid, `${what} is a plugin with its file's CID`);
    assert.ok((await rpc('DiscoverPlugins', { name })).plugins.some((p: any) => p.version === version && p.cid === entry.cid));
    const gql = await fetch(dev.graphql, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ artifactVersions(space: "acme", name: "${name.slice(5)}") { version digest files { digest } } }` }) });
    const versions = ((await gql.json()) as any).data.artifactVersions;
    assert.ok(versions.some((v: any) => v.version === version && v.digest === entry.manifestDigest && v.files[0].digest === sha256(bytes)), `${what} in GraphQL`);
    // Plain `skopeo inspect` refuses artifacts ("unsupported image-specific operation on artifact"):
    // it describes images only. --raw shows the manifest, whose digest is the version's.
    const raw: string = (await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${dev.gateway}/${name}:${version}`])).stdout;
    assert.equal(sha256(Buffer.from(raw)), entry.manifestDigest, `${what} through skopeo inspect --raw`);
    assert.equal(JSON.parse(raw).layers[0].digest, sha256(bytes));
    const copy = join(work, `copy-${door}`);
    await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${dev.gateway}/${name}:${version}`, `dir:${copy}`]);
    const layer = readFileSync(join(copy, entry.sha256.slice(7)));
    assert.ok(layer.equals(bytes), `${what}: skopeo copy to a directory gives the same bytes`);
    assert.ok(readdirSync(copy).includes('manifest.json'));
  }
});
