// A Subsquid SubstrateBatchProcessor (8.5.1) indexes the dev chain over WebSocket: it sees every
// ContainerRegistry.SpaceCreated with the right arguments and block timestamps, both for spaces
// created before it started and for ones created after it reached the head (it keeps following).
// Run once with finality trailing the best block by one, once with blocks final at once.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Keyring } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Moment } from '@polkadot/types/interfaces';
import { u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import { startTestChain, type TestChain } from '../helpers/devnet';

const REPO_ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(__dirname, 'fixtures', 'subsquid-processor.ts');
/** Each wait is bounded so a stalled processor fails the test instead of hanging it. */
const WAIT_MS = 20_000;

interface ProcessorLine {
  type: 'event' | 'head' | 'rollback';
  height: number;
  hash: string;
  [key: string]: unknown;
}

interface ProcessorEvent extends ProcessorLine {
  type: 'event';
  timestamp: number;
  name: string;
  index: number;
  phase: string;
  extrinsicIndex: number;
  extrinsicHash?: string;
  extrinsicSuccess?: boolean;
  args: unknown;
}

/** The indexer fixture in a child process, with its stdout parsed into lines. */
class ProcessorRun {
  readonly lines: ProcessorLine[] = [];
  readonly #stderr: string[] = [];
  readonly #child: ChildProcess;
  #exit: string | undefined;

  constructor(wsUrl: string, finalityConfirmation?: number) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DEVNET_WS_URL: wsUrl,
        HEAD_POLL_INTERVAL_MS: '200',
        FINALITY_CONFIRMATION: finalityConfirmation === undefined ? '' : String(finalityConfirmation),
        FORCE_PRETTY_LOGGER: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as ProcessorLine);
      } catch {
        this.#stderr.push(`(stdout) ${line}`);
      }
    });
    createInterface({ input: this.#child.stderr! }).on('line', (line) => {
      this.#stderr.push(line);
      if (this.#stderr.length > 200) this.#stderr.shift();
    });
    this.#child.on('exit', (code, signal) => {
      this.#exit = `exited with ${signal ?? `code ${code}`}`;
    });
  }

  /** Events that are still valid (not rolled back), by block hash and index. */
  events(): ProcessorEvent[] {
    const rolledBack = new Set(this.lines.filter((l) => l.type === 'rollback').map((l) => l.hash));
    return this.lines.filter((l): l is ProcessorEvent => l.type === 'event' && !rolledBack.has(l.hash));
  }

  /** The highest block the processor has committed. */
  processedHeight(): number {
    return Math.max(-1, ...this.lines.filter((l) => l.type === 'head').map((l) => l.height));
  }

  diagnostics(): string {
    const stderr = this.#stderr.slice(-30).join('\n    ');
    const heads = this.lines.filter((l) => l.type === 'head').slice(-10).map((l) => `#${l.height}${l.hot ? ' hot' : ''} (final ${l.finalizedHeight})`);
    return `processor ${this.#exit ?? 'still running'}; last heads: ${heads.join(', ') || 'none'}; events: ${this.events().length}\n  last stderr lines:\n    ${stderr}`;
  }

  async waitFor(description: string, done: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.#exit) assert.fail(`the processor stopped while waiting for ${description}: ${this.diagnostics()}`);
      if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${description}: ${this.diagnostics()}`);
      await delay(50);
    }
  }

  async stop(): Promise<void> {
    if (this.#exit || this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = once(this.#child, 'exit');
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

function withTimeout<T>(what: string, promise: Promise<T>, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not complete within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface CreatedSpace {
  name: string;
  owner: KeyringPair;
  spaceId: string;
  blockHash: string;
  blockNumber: number;
  timestamp: number;
  extrinsicIndex: number;
  extrinsicHash: string;
}

/** Creates a space with polkadot.js and reads back where it landed. */
async function createSpace(chain: TestChain, owner: KeyringPair, name: string): Promise<CreatedSpace> {
  const { api } = chain;
  const tx = api.tx.containerRegistry.createSpace(name);
  const landed = await withTimeout(`createSpace(${name})`, new Promise<{ blockHash: string; spaceId: string; extrinsicIndex: number }>((resolve, reject) => {
    let settled = false;
    tx.signAndSend(owner, (result) => {
      if (settled) return;
      if (result.isError || result.dispatchError) {
        settled = true;
        reject(new Error(`createSpace(${name}) by ${owner.address} failed: ${result.dispatchError?.toString() ?? result.status.type}`));
        return;
      }
      // In instant mode finality follows inclusion at once, and polkadot.js may then skip the
      // InBlock status; either status carries the block and its events.
      if (!result.status.isInBlock && !result.status.isFinalized) return;
      const record = result.events.find(({ event }) => api.events.containerRegistry.SpaceCreated.is(event));
      if (!record) {
        settled = true;
        reject(new Error(`createSpace(${name}) emitted no SpaceCreated`));
        return;
      }
      settled = true;
      resolve({
        blockHash: (result.status.isInBlock ? result.status.asInBlock : result.status.asFinalized).toHex(),
        spaceId: record.event.data[0].toString(),
        extrinsicIndex: record.phase.asApplyExtrinsic.toNumber(),
      });
    }).catch(reject);
  }));
  const header = await api.rpc.chain.getHeader(landed.blockHash);
  const timestamp = (await (await api.at(landed.blockHash)).query.timestamp.now<Moment>()).toNumber();
  return { ...landed, name, owner, blockNumber: header.number.toNumber(), timestamp, extrinsicHash: tx.hash.toHex() };
}

function assertIndexed(run: ProcessorRun, expected: CreatedSpace[]): void {
  const events = run.events().filter((e) => e.name === 'ContainerRegistry.SpaceCreated');
  for (const space of expected) {
    const matches = events.filter((e) => e.hash === space.blockHash && e.extrinsicIndex === space.extrinsicIndex);
    assert.equal(matches.length, 1, `SpaceCreated for "${space.name}" (block #${space.blockNumber} ${space.blockHash}) was seen ${matches.length} times`);
    const [event] = matches;
    assert.equal(event.height, space.blockNumber, `block height of "${space.name}"`);
    assert.equal(event.timestamp, space.timestamp, `block timestamp of "${space.name}" (Timestamp.now at that block)`);
    assert.equal(event.phase, 'ApplyExtrinsic');
    assert.equal(event.extrinsicHash, space.extrinsicHash, `extrinsic hash of "${space.name}"`);
    assert.equal(event.extrinsicSuccess, true);
    assert.deepEqual(event.args, [space.spaceId, u8aToHex(decodeAddress(space.owner.address))], `SpaceCreated(space_id, owner) args of "${space.name}"`);
  }
  assert.equal(events.length, expected.length, `exactly the created spaces are indexed; saw ${JSON.stringify(events.map((e) => [e.height, e.args]))}`);
}

interface Scenario {
  title: string;
  finalityLag: number;
  /** setFinalityConfirmation for the processor; absent: it follows the chain's finalized heads. */
  finalityConfirmation?: number;
}

// With lag 0 a processor must count every block as final: substrate-processor 8.5.1 never
// indexes a head that is already final when announced (its hot-block ingestion skips blocks at
// or below the finalized height), so following the chain's finality it would stall at the head.
const SCENARIOS: Scenario[] = [
  { title: "finality lag 1, the processor following the chain's finalized heads", finalityLag: 1 },
  { title: 'finality lag 0, the processor counting every block as final (setFinalityConfirmation(0))', finalityLag: 0, finalityConfirmation: 0 },
];

for (const { title, finalityLag, finalityConfirmation } of SCENARIOS) {
  test(`a SubstrateBatchProcessor follows the dev chain (${title})`, { timeout: 60_000 }, async (t) => {
    const chain = await startTestChain({ finalityLag });
    let run: ProcessorRun | undefined;
    t.after(async () => {
      await run?.stop();
      await chain.close();
    });
    const keyring = new Keyring({ type: 'sr25519' });
    const [alice, bob, charlie, dave, eve, ferdie] = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'].map((n) => keyring.addFromUri(`//${n}`));

    // Before the processor starts.
    const created: CreatedSpace[] = [];
    for (const [owner, name] of [[alice, 'alice-space'], [bob, 'bob-space'], [charlie, 'charlie-space']] as const) {
      created.push(await createSpace(chain, owner, name));
    }
    const bestBefore = (await chain.api.rpc.chain.getHeader()).number.toNumber();

    run = new ProcessorRun(chain.devnet.wsUrl, finalityConfirmation);
    await run.waitFor(`the processor to reach the head #${bestBefore}`, () => run!.processedHeight() >= bestBefore);
    await run.waitFor('the spaces created before the start', () => run!.events().length >= created.length);
    assertIndexed(run, created);

    // After it reached the head: two at once (they may share a block), then one more.
    created.push(...(await Promise.all([createSpace(chain, dave, 'dave-space'), createSpace(chain, eve, 'eve-space')])));
    // A scenario expected to stall need not use up the whole wait.
    const patience = WAIT_MS;
    await run.waitFor('the two spaces created after the processor reached the head', () => run!.events().length >= 5, patience);
    created.push(await createSpace(chain, ferdie, 'ferdie-space'));
    await run.waitFor('the last space', () => run!.events().length >= 6, patience);
    const best = (await chain.api.rpc.chain.getHeader()).number.toNumber();
    await run.waitFor(`the processor to follow the head to #${best}`, () => run!.processedHeight() >= best);
    assertIndexed(run, created);

    if (finalityConfirmation === undefined && finalityLag > 0) {
      assert.ok(
        run.lines.some((l) => l.type === 'head' && l.hot),
        "the processor followed unfinalized heads (hot blocks) from the chain's newHeads subscription",
      );
    }

    // No block was rolled back, and the space ids are those the chain assigned.
    assert.deepEqual(run.lines.filter((l) => l.type === 'rollback'), [], 'no rollbacks on a chain without forks');
    const onChain = await chain.api.query.containerRegistry.spaces.entries();
    assert.deepEqual(
      onChain.map(([key]) => key.args[0].toString()).sort(),
      created.map((s) => s.spaceId).sort(),
      'the indexed space ids are the ones in ContainerRegistry.Spaces',
    );
  });
}
