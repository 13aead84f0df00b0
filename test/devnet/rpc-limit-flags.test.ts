// `hcr devnet` takes the RPC endpoint's limits as flags, named as a Substrate node names those it
// has: connections, subscriptions per connection, request and response size (MiB), and the dev
// chain's own (watched keys, unread replies, HTTP bodies held at once). Each flag set below the
// default must show at the endpoint; a limit of 0 or a non-number is refused as bad usage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { collect, expectExit, spawnHcr, stopChild, waitForOutput } from '../cli/helpers/run-hcr';

const MIB = 1024 * 1024;

const hcrEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.HCR_CONFIG;
  delete env.HCR_DATA_DIR;
  return env;
};

const request = (id: number, method: string, params: unknown[] = []) => ({ jsonrpc: '2.0', id, method, params });

function connect(url: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once('error', reject);
  });
}

/** Sends one message and waits for the reply with `id` (notifications are skipped). */
function ask(ws: WebSocket, body: unknown, id: number): Promise<any> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const reply = JSON.parse(data.toString());
      if (reply.id !== id) return;
      ws.off('message', onMessage);
      resolve(reply);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify(body));
  });
}

async function post(url: string, body: string): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, json: await response.json() };
}

test('hcr devnet --rpc-max-connections, --rpc-max-subscriptions-per-connection, --rpc-max-request-size, --rpc-max-response-size and --rpc-max-watched-keys-per-connection set the endpoint\'s limits', async () => {
  const child = spawnHcr(
    ['devnet', '--port', '0', '--ephemeral', '--manual-seal', '--rpc-max-connections', '2', '--rpc-max-subscriptions-per-connection', '2', '--rpc-max-request-size', '1', '--rpc-max-response-size', '1', '--rpc-max-watched-keys-per-connection', '3'],
    hcrEnv(),
  );
  const open: WebSocket[] = [];
  try {
    const output = await waitForOutput(child, /chain RPC: ws:\/\/\S+ \(HTTP http:\/\/\S+\)/);
    const [, wsUrl, httpUrl] = /chain RPC: (ws:\/\/\S+) \(HTTP (http:\/\/\S+)\)/.exec(output)!;

    for (let i = 0; i < 2; i++) {
      const ws = await connect(wsUrl);
      assert.ok(ws instanceof WebSocket, `connection ${i + 1} of 2 opens`);
      open.push(ws);
    }
    assert.equal(await connect(wsUrl), 503, 'a third connection is refused');

    const [ws] = open;
    for (let id = 1; id <= 2; id++) assert.match(String((await ask(ws, request(id, 'chain_subscribeNewHeads'), id)).result), /\S/, `subscription ${id} of 2`);
    assert.equal((await ask(ws, request(3, 'chain_subscribeNewHeads'), 3)).error?.code, -32006, 'a third subscription is refused');
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `0x${i.toString(16).padStart(64, '0')}`);
    const tooMany = await ask(open[1], request(7, 'state_subscribeStorage', [keys(4)]), 7);
    assert.equal(tooMany.error?.code, -32006);
    assert.match(tooMany.error.message, /Too many storage keys/);
    assert.equal(typeof (await ask(open[1], request(8, 'state_subscribeStorage', [keys(3)]), 8)).result, 'string', 'three keys may be watched');

    const big = await post(httpUrl, JSON.stringify(request(4, 'system_name', ['x'.repeat(MIB)])));
    assert.equal(big.status, 413);
    assert.equal(big.json.error.data, `Exceeded max limit of ${MIB} bytes`);
    assert.equal((await post(httpUrl, JSON.stringify(request(5, 'system_name', ['x'.repeat(MIB / 2)])))).status, 200, 'half a MiB is still taken');

    // ~48 KB of metadata per reply: 40 of them pass 1 MiB (and stay well within the default 15).
    const batch = await post(httpUrl, JSON.stringify(Array.from({ length: 40 }, (_, i) => request(10 + i, 'state_getMetadata'))));
    assert.equal(batch.json.error?.code, -32011, JSON.stringify(batch.json).slice(0, 200));
    assert.equal(batch.json.error.data, `Exceeded max limit of ${MIB}`);
    assert.equal((await post(httpUrl, JSON.stringify(request(6, 'state_getMetadata')))).json.result.slice(0, 2), '0x', 'one metadata reply fits');
  } finally {
    for (const ws of open) ws.terminate();
    await stopChild(child);
  }
});

test('hcr devnet --help lists every RPC limit with its default', async () => {
  const run = await collect(spawnHcr(['devnet', '--help'], hcrEnv()), 'devnet --help');
  expectExit(run, 0);
  const help = run.stdout.replace(/\s+/g, ' ');
  for (const [flag, fallback] of [
    ['--rpc-max-connections <n>', '100'],
    ['--rpc-max-subscriptions-per-connection <n>', '1024'],
    ['--rpc-max-request-size <MiB>', '15'],
    ['--rpc-max-response-size <MiB>', '15'],
    ['--rpc-max-watched-keys-per-connection <n>', '16384'],
    ['--rpc-max-unread-per-connection <MiB>', '64'],
  ]) {
    assert.match(help, new RegExp(`${flag.replace(/[<>]/g, '.')} .*?\\(default: "${fallback}"\\)`), flag);
  }
  assert.match(help, /--rpc-max-buffered-requests <MiB> .*?default: 8 × --rpc-max-request-size/);
});

test('a limit of 0, or not a whole number, is refused naming the flag', async () => {
  for (const [flag, value, pattern] of [
    ['--rpc-max-connections', '0', /--rpc-max-connections takes a whole number ≥ 1, got "0"/],
    ['--rpc-max-request-size', 'lots', /--rpc-max-request-size takes a whole number ≥ 1 \(MiB\), got "lots"/],
    ['--rpc-max-subscriptions-per-connection', '2.5', /--rpc-max-subscriptions-per-connection takes a whole number ≥ 1, got "2\.5"/],
    ['--rpc-max-unread-per-connection', '0', /--rpc-max-unread-per-connection takes a whole number ≥ 1 \(MiB\), got "0"/],
  ] as const) {
    const run = await collect(spawnHcr(['devnet', '--ephemeral', '--port', '0', flag, value], hcrEnv()), `devnet ${flag} ${value}`);
    expectExit(run, 2);
    assert.match(run.stderr, pattern);
  }
});
