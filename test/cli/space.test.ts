// `hcr space …` end to end: the real binary in a child process against a dev chain started here,
// checking stdout, stderr and exit codes as a script or a person would see them.
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { type Devnet, startDevnet } from '../../src/devnet/node';
import { atMost } from './helpers/at-most';
import { BIN, collect, expectExit, ROOT, type Run, spawnHcr } from './helpers/run-hcr';

let devnet: Devnet;
let tmp: string;
const accounts: Record<string, string> = {};

/** The environment without anything of the developer's that would change what `hcr` does. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHAIN_RPC: devnet.wsUrl };
  for (const name of ['HCR_SURI', 'HCR_KEYRING_PASSWORD', 'GATEWAY_ADDRESS']) delete env[name];
  return { ...env, ...extra };
}

/**
 * hcr processes running at once, across the file's tests: each start costs a couple of seconds'
 * CPU (tsx, polkadot.js), and this one process serves the chain to all of them, on 2 cores.
 */
const limit = atMost(3);
/** Set in the tests of the longest chain (ordered(…, { first: true })): their hcr go first. */
const chainOfSteps = new AsyncLocalStorage<boolean>();
const slot = <T>(job: () => Promise<T>): Promise<T> => limit(job, chainOfSteps.getStore() === true);

/** A run of hcr, and how long it took from its start to its exit (not counting its wait for a slot). */
function hcr(args: string[], env: Record<string, string> = {}): Promise<Run & { ms: number }> {
  return slot(async () => {
    const started = Date.now();
    const run = await collect(spawnHcr(args, cleanEnv(env)), args.join(' '));
    return { ...run, ms: Date.now() - started };
  });
}

/**
 * The tests run at the same time, each once the tests whose state it builds on have ended (passed
 * or failed, as one after another), so that every hcr sees the chain it would see in the order
 * written: an account's transactions one at a time (its nonce), the listing of all spaces before
 * the later tests create theirs. `ordered(key, after, body)` is a test's body that waits for the
 * tests named in `after`, then tells the tests after it that `key` has ended; `first` marks the
 * tests of the longest chain of them, whose hcr runs go ahead of the others'. (So a test picked
 * alone with --test-name-pattern waits for tests that never run: run the file whole.)
 */
const endings = new Map<string, { ended: Promise<void>; end: () => void }>();
function ending(key: string): { ended: Promise<void>; end: () => void } {
  let entry = endings.get(key);
  if (!entry) {
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    entry = { ended, end };
    endings.set(key, entry);
  }
  return entry;
}
function ordered(key: string, after: string[], body: () => Promise<void>, { first = false } = {}): () => Promise<void> {
  return async () => {
    try {
      await Promise.all(after.map((k) => ending(k).ended));
      await chainOfSteps.run(first, body);
    } finally {
      ending(key).end();
    }
  };
}

const json = (run: Run) => JSON.parse(run.stdout);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

before(async () => {
  devnet = await startDevnet({ port: 0 });
  tmp = mkdtempSync(join(tmpdir(), 'hcr-space-'));
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  for (const name of ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Gateway']) accounts[name] = keyring.addFromUri(`//${name}`).address;
});

after(async () => {
  await devnet?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// Thirteen tests that each start hcr several times: about a minute alone, several on a machine
// busy with other suites (each start compiles and loads the CLI), hence ten minutes' bound. They
// run concurrently, each after the ones it builds on (ordered()), at most three hcr at a time (hcr()).
describe('hcr space', { timeout: 600_000, concurrency: true }, () => {
  let acmeId: string;

  test('--help documents the exit codes scripts can rely on', ordered('help', [], async () => {
    const run = await hcr(['space', '--help']);
    expectExit(run, 0);
    for (const line of [/^ {2}0 {2}success/m, /^ {2}1 {2}the chain refused/m, /^ {2}2 {2}bad usage or input/m, /^ {2}3 {2}the chain cannot be reached/m]) assert.match(run.stdout, line);
  }));

  test('create: the result on stdout, progress (signing → ready → in block #N) on stderr', ordered('create', [], async () => {
    const run = await hcr(['space', 'create', 'acme', '--suri', '//Alice', '--json']);
    expectExit(run, 0);
    const created = json(run);
    assert.match(created.spaceId, /^\d+$/);
    assert.equal(created.name, 'acme');
    assert.equal(created.owner, accounts.Alice);
    assert.equal(created.status, 'inBlock');
    assert.match(created.blockHash, /^0x[0-9a-f]{64}$/);
    assert.match(run.stderr, new RegExp(`signing as ${accounts.Alice}\\nready: transaction 0x[0-9a-f]{64} is waiting for a block\\nin block #${created.blockNumber} \\(${created.blockHash}\\)`));
    acmeId = created.spaceId;
  }, { first: true }));

  test('a second create is refused by the chain: exit 1 with the reason in words and its code', ordered('second-create', ['create'], async () => {
    const run = await hcr(['space', 'create', 'other', '--suri', '//Alice']);
    expectExit(run, 1);
    assert.match(run.stderr, /^error: You already own a space \(an account may own one\)\. Add members to your space, or create the new one from another account\.$/m);
    assert.match(run.stderr, /chain error: ContainerRegistry\.UserAlreadyHasSpace; the fee was paid; transaction 0x[0-9a-f]{64}, block 0x[0-9a-f]{64}/);
    assert.equal(run.stdout, '');

    const scripted = await hcr(['space', 'create', 'other', '--suri', '//Alice', '--json']);
    expectExit(scripted, 1);
    const { error } = json(scripted);
    assert.equal(error.exitCode, 1);
    assert.equal(error.code, 'ContainerRegistry.UserAlreadyHasSpace');
    assert.equal(error.message, 'You already own a space (an account may own one). Add members to your space, or create the new one from another account.');
  }, { first: true }));

  test('add-member by id, then by name with --wait finalized; show lists them', ordered('add-member', ['second-create'], async () => {
    const byId = await hcr(['space', 'add-member', acmeId, accounts.Bob, '--suri', '//Alice']);
    expectExit(byId, 0);
    assert.match(byId.stdout, new RegExp(`^added ${accounts.Bob} to space ${acmeId}\\nin block #\\d+`));

    const byName = await hcr(['space', 'add-member', 'acme', accounts.Charlie, '--suri', '//Alice', '--wait', 'finalized', '--json']);
    expectExit(byName, 0);
    assert.deepEqual({ ...json(byName), txHash: undefined, blockHash: undefined, blockNumber: undefined }, {
      spaceId: acmeId, member: accounts.Charlie, added: true, alreadyMember: false, status: 'finalized', txHash: undefined, blockHash: undefined, blockNumber: undefined,
    });
    assert.match(byName.stderr, /in block #\d+[^\n]*\nfinalized in block #\d+/);

    // Neither signs anything: the two at once.
    const [again, show] = await Promise.all([hcr(['space', 'add-member', 'acme', accounts.Bob, '--suri', '//Alice']), hcr(['space', 'show', acmeId, '--json'])]);
    expectExit(again, 0);
    assert.match(again.stdout, /is already a member of space \d+; nothing to do/);
    assert.doesNotMatch(again.stderr, /signing as/);

    expectExit(show, 0);
    assert.deepEqual(json(show).members, [accounts.Alice, accounts.Bob, accounts.Charlie]);
  }, { first: true }));

  test('bad usage or input: exit 2 naming the problem and the fix, before anything is signed', ordered('bad-usage', ['create'], async () => {
    const cases: Array<[string[], RegExp]> = [
      [['space', 'add-member', 'acme', 'not-an-address', '--suri', '//Alice'], /^error: ADDRESS: "not-an-address" is not an account address: use an SS58 address \(5…\) or a 0x-prefixed 32-byte public key$/m],
      [['space', 'add-member', 'acme', accounts.Dave, '--suri', '//Bob'], new RegExp(`^error: you \\(${accounts.Bob}\\) own no space named "acme": give the space's id instead`, 'm')],
      [['space', 'create', '', '--suri', '//Eve'], /^error: NAME: space name is empty: give a non-empty space name$/m],
      [['space', 'create', 'Bad Name', '--suri', '//Eve'], /^error: NAME: space name "Bad Name" is not valid: use lowercase letters/m],
      [['space', 'create', 'eve'], /^error: no key to sign with: pass --suri \(for example --suri \/\/Alice on the dev chain\), set HCR_SURI, or pass --keyring FILE/m],
      [['space', 'create', 'eve', '--suri', 'not a mnemonic at all'], /^error: --suri: the key URI holds neither a valid mnemonic/m],
      [['space', 'create', 'eve', '--suri', '//Eve', '--wait', 'soon'], /error: option '--wait <status>' argument 'soon' is invalid\. Allowed choices are inBlock, finalized\./],
      [['space', 'grant-gateway', '--suri', '//Alice', '--gateway', 'gw'], /^error: --gateway: "gw" is not an account address/m],
      [['space', 'ls', '--member', 'bob'], /^error: --member: "bob" is not an account address/m],
      [['space', 'show', 'nope'], /^error: no space is named "nope": list the spaces with hcr space ls/m],
    ];
    const runs = await Promise.all(cases.map(([args]) => hcr(args)));
    runs.forEach((run, i) => {
      expectExit(run, 2);
      assert.match(run.stderr, cases[i][1]);
      assert.doesNotMatch(run.stderr, /signing as/);
      assert.doesNotMatch(run.stderr, /not a mnemonic at all/, 'the secret is never repeated');
    });
  }));

  test('a non-owner adding a member is refused by the chain in words', ordered('non-owner', ['create'], async () => {
    const run = await hcr(['space', 'add-member', acmeId, accounts.Eve, '--suri', '//Bob']);
    expectExit(run, 1);
    assert.match(run.stderr, /error: Only the space's owner can add members, and you are not its owner\. Sign with the owner's account\.\n {2}chain error: ContainerRegistry\.NotAuthorized;/);
  }, { first: true }));

  test('grant-gateway and revoke-gateway, with show reflecting the grant', ordered('gateway', ['add-member'], async () => {
    const granted = await hcr(['space', 'grant-gateway', '--suri', '//Alice', '--json']);
    expectExit(granted, 0);
    assert.match(granted.stderr, new RegExp(`note: granting to the dev chain's gateway account //Gateway \\(${accounts.Gateway}\\); on another chain pass --gateway or set GATEWAY_ADDRESS`));
    assert.equal(json(granted).changed, true);
    assert.equal(json(granted).gateway, accounts.Gateway);

    const [shown, human, otherGateway, twice] = await Promise.all([
      hcr(['space', 'show', 'acme', '--json']),
      hcr(['space', 'show', 'acme']),
      hcr(['space', 'show', acmeId, '--json'], { GATEWAY_ADDRESS: accounts.Eve }),
      hcr(['space', 'grant-gateway', '--suri', '//Alice']),
    ]);
    assert.deepEqual(json(shown).gateway, { address: accounts.Gateway, granted: true, devDefault: true });
    expectExit(human, 0);
    assert.match(human.stdout, /^ {2}gateway {2}granted: the dev chain's gateway account \/\/Gateway/m);
    // Another gateway (by env) holds no grant from Alice.
    assert.equal(json(otherGateway).gateway.granted, false);

    expectExit(twice, 0);
    assert.match(twice.stdout, /already holds a NonTransfer proxy from .*; nothing to do/);

    const revoked = await hcr(['space', 'revoke-gateway', '--suri', '//Alice', '--gateway', accounts.Gateway]);
    expectExit(revoked, 0);
    assert.match(revoked.stdout, /^revoked the gateway .*'s NonTransfer proxy for /);
    assert.doesNotMatch(revoked.stderr, /note:/, 'no dev-gateway note when the address is given');
    assert.equal(json(await hcr(['space', 'show', acmeId, '--json'])).gateway.granted, false);
  }));

  test('ls: all spaces, --owner, --member, as JSON and as a table', ordered('ls', ['add-member', 'non-owner'], async () => {
    expectExit(await hcr(['space', 'create', 'bobs', '--suri', '//Bob']), 0);
    const names = async (...args: string[]) => json(await hcr(['space', 'ls', '--json', ...args])).map((s: { name: string }) => s.name).sort();
    const [all, byOwner, bobIn, charlieIn, both, table] = await Promise.all([
      hcr(['space', 'ls', '--json']).then(json),
      names('--owner', accounts.Alice),
      names('--member', accounts.Bob),
      names('--member', accounts.Charlie),
      names('--owner', accounts.Bob, '--member', accounts.Charlie),
      hcr(['space', 'ls']),
    ]);
    assert.deepEqual(all.map((s: { name: string }) => s.name).sort(), ['acme', 'bobs']);
    const acme = all.find((s: { id: string }) => s.id === acmeId);
    assert.deepEqual(acme, { id: acmeId, name: 'acme', nameHex: '0x61636d65', owner: accounts.Alice, members: [accounts.Alice, accounts.Bob, accounts.Charlie], images: [] });

    assert.deepEqual(byOwner, ['acme']);
    assert.deepEqual(bobIn, ['acme', 'bobs']);
    assert.deepEqual(charlieIn, ['acme']);
    assert.deepEqual(both, []);

    expectExit(table, 0);
    assert.match(table.stdout, /^ID +NAME +OWNER +MEMBERS +IMAGES\n/);
    assert.match(table.stdout, new RegExp(`^${acmeId} +acme +${accounts.Alice} +3 +0$`, 'm'));
  }, { first: true }));

  test('a polkadot.js JSON keystore, unlocked with HCR_KEYRING_PASSWORD', ordered('keystore', ['ls'], async () => {
    const password = 'correct horse battery';
    const file = join(tmp, 'dave.json');
    const dave = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Dave');
    writeFileSync(file, JSON.stringify(dave.toJson(password)));

    const run = await hcr(['space', 'create', 'daves', '--keyring', file, '--json'], { HCR_KEYRING_PASSWORD: password });
    expectExit(run, 0);
    assert.equal(json(run).owner, accounts.Dave);
    assert.ok(!run.stdout.includes(password) && !run.stderr.includes(password));

    // The four refusals, after the create as before, at once: none of them signs.
    const [wrong, none, missing, both] = await Promise.all([
      hcr(['space', 'create', 'daves', '--keyring', file], { HCR_KEYRING_PASSWORD: 'wrong' }),
      hcr(['space', 'create', 'daves', '--keyring', file]),
      hcr(['space', 'create', 'daves', '--keyring', join(tmp, 'nope.json')]),
      hcr(['space', 'create', 'daves', '--keyring', file, '--suri', '//Dave']),
    ]);
    expectExit(wrong, 2);
    assert.match(wrong.stderr, /^error: --keyring .*dave\.json: the password does not unlock this keystore: check HCR_KEYRING_PASSWORD/m);

    expectExit(none, 2);
    assert.match(none.stderr, /the keystore is encrypted and no password was given: set HCR_KEYRING_PASSWORD, or run the command in a terminal to type it/);

    expectExit(missing, 2);
    assert.match(missing.stderr, /cannot read the file \(no such file\)/);

    expectExit(both, 2);
    assert.match(both.stderr, /--suri and --keyring both give a key: pass only one of them/);
  }, { first: true }));

  test('in a terminal the keystore password is typed without echo', { skip: spawnSync('script', ['--version']).status !== 0 && 'needs util-linux script for a terminal' }, ordered('terminal', ['ls'], async () => {
    const password = 'typed secret';
    const file = join(tmp, 'eve.json');
    writeFileSync(file, JSON.stringify(new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Eve').toJson(password)));
    const command = [process.execPath, BIN, 'space', 'create', 'eves', '--keyring', file].map((a) => `'${a}'`).join(' ');
    // `script` gives the command a terminal; the password is sent once the prompt is there.
    const output: string[] = [];
    const run = await slot(() => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: cleanEnv({}), stdio: ['pipe', 'pipe', 'pipe'] });
      let typed = false;
      child.stdout!.on('data', (chunk) => {
        output.push(String(chunk));
        if (!typed && output.join('').includes('password for ')) {
          typed = true;
          child.stdin!.write(`${password}\r`);
        }
      });
      return collect(child, 'create in a terminal');
    });
    const seen = output.join('') + run.stderr;
    assert.equal(run.code, 0, seen);
    assert.match(seen, new RegExp(`password for ${accounts.Eve} \\(.*eve\\.json\\): `));
    assert.match(seen, new RegExp(`created space \\d+ "eves", owned by ${accounts.Eve}`));
    assert.ok(!seen.includes(password), `the password is not echoed:\n${seen}`);
  }));

  test('an account without funds: exit 1 saying the fee cannot be paid, the secret never printed', ordered('no-funds', [], async () => {
    const mnemonic = mnemonicGenerate();
    const run = await hcr(['space', 'create', 'poor'], { HCR_SURI: mnemonic });
    expectExit(run, 1);
    assert.match(run.stderr, /^error: Your account cannot pay the transaction fee\. Fund it with some hALPHA and try again\.\n {2}chain error: InvalidTransaction\.Payment$/m);
    assert.doesNotMatch(run.stderr, /RPC-CORE/, 'the client library\'s own log lines are not repeated');
    assert.ok(!run.stderr.includes(mnemonic) && !run.stdout.includes(mnemonic));
  }));

  test('an unreachable chain: exit 3 naming the URL and the fix, within seconds', ordered('unreachable', [], async () => {
    const url = `ws://127.0.0.1:${await freePort()}`;
    const [ls, create] = await Promise.all([hcr(['space', 'ls'], { CHAIN_RPC: url }), hcr(['space', 'create', 'x', '--suri', '//Eve', '--chain', url, '--json'])]);
    for (const run of [ls, create]) {
      expectExit(run, 3);
      assert.match(run.stderr, new RegExp(`^error: cannot reach the chain at ${url} after 3 attempts \\(connect ECONNREFUSED [^)]+\\): is \`hcr devnet\` running\\? Start it, or set CHAIN_RPC to a Hippius node's WebSocket URL \\(or pass --chain URL\\)$`, 'm'));
      // From its start to its exit: the other tests' hcr may have kept it waiting for a slot first.
      assert.ok(run.ms < 20_000, `took ${run.ms} ms`);
    }
    assert.equal(json(create).error.exitCode, 3);

    const http = await hcr(['space', 'create', 'x', '--suri', '//Eve', '--chain', devnet.httpUrl]);
    expectExit(http, 2);
    assert.match(http.stderr, /sending a transaction needs a WebSocket connection .*: give a ws:\/\/ or wss:\/\/ URL with --chain or CHAIN_RPC/);
  }));

  test('create refuses a name another space claimed, unless --allow-shadow; show names the owner and its shadows', ordered('shadow', ['ls'], async () => {
    const refused = await hcr(['space', 'create', 'acme', '--suri', '//Charlie']);
    expectExit(refused, 2);
    assert.match(refused.stderr, new RegExp(`^error: the name "acme" is taken: space ${acmeId} \\(owner ${accounts.Alice}\\) claimed it first`, 'm'));
    assert.match(refused.stderr, /pulls of acme\/… never resolve to its images/);
    assert.match(refused.stderr, /pass --allow-shadow to create the shadow anyway/);
    assert.doesNotMatch(refused.stderr, /signing as/, 'nothing is signed');

    const shadow = await hcr(['space', 'create', 'acme', '--suri', '//Charlie', '--allow-shadow', '--json']);
    expectExit(shadow, 0);
    assert.match(shadow.stderr, /^warning: the name "acme" is taken/m);
    const created = json(shadow);
    assert.equal(created.shadowOf, acmeId);
    assert.equal(typeof created.takesNameWrites, 'boolean');

    const show = await hcr(['space', 'show', 'acme', '--json']);
    expectExit(show, 0);
    assert.equal(json(show).id, acmeId);
    assert.deepEqual(json(show).shadows, [created.spaceId]);
    assert.match(show.stderr, new RegExp(`note: spaces ${created.spaceId} have the same name and are its shadows`));
  }, { first: true }));
});
