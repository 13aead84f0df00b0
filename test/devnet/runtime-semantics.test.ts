// The runtime's non-registry behaviour the project relies on: fees by the documented formula
// with TransactionFeePaid, transfers and the existential deposit, sudo, remark_with_event,
// the NonTransfer proxy filter, and block production in interval mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { EventRecord } from '@polkadot/types/interfaces';
import { blake2AsHex } from '@polkadot/util-crypto';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { BASE_FEE, LENGTH_FEE, WEIGHT_FEE } from '../../src/devnet/execution/fees';

let t: TestChain;
const keyring = new Keyring({ type: 'sr25519' });
const [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((uri) => keyring.addFromUri(uri));

before(async () => {
  t = await startTestChain();
});
after(async () => t.close());

// Finalized counts as in a block: the instant mode finalizes ~100 ms after inclusion, and
// polkadot.js drops an inBlock result still fetching its events when finalized arrives.
async function inBlock(tx: SubmittableExtrinsic<'promise'>, signer = alice): Promise<{ events: EventRecord[]; blockHash: string }> {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events }) => {
      if (status.isInBlock) resolve({ events, blockHash: status.asInBlock.toHex() });
      else if (status.isFinalized) resolve({ events, blockHash: status.asFinalized.toHex() });
    }).catch(reject);
  });
}

const names = (events: EventRecord[]) => events.map(({ event }) => `${event.section}.${event.method}`);
const free = async (address: string) => (await t.api.query.system.account(address)).data.free.toBigInt();

test('the fee follows the documented formula, is withdrawn from the signer and reported', async () => {
  const tx = t.api.tx.system.remarkWithEvent('fee check');
  await tx.signAsync(bob);
  const info = await t.api.rpc.payment.queryInfo(tx.toHex());
  const expected = BASE_FEE + LENGTH_FEE * BigInt(tx.encodedLength) + (WEIGHT_FEE * BigInt(info.weight.toString())) / 1_000_000n;
  assert.equal(info.partialFee.toBigInt(), expected);
  const viaRuntimeApi = await tx.paymentInfo(bob);
  assert.equal(viaRuntimeApi.partialFee.toBigInt(), expected);

  const before = await free(bob.address);
  const { events } = await new Promise<{ events: EventRecord[] }>((resolve, reject) => {
    tx.send(({ status, events: e }) => {
      if (status.isInBlock || status.isFinalized) resolve({ events: e });
    }).catch(reject);
  });
  assert.deepEqual(names(events), ['balances.Withdraw', 'system.Remarked', 'transactionPayment.TransactionFeePaid', 'system.ExtrinsicSuccess']);
  const paid = events.find(({ event }) => event.method === 'TransactionFeePaid')!.event.data;
  assert.equal(paid[0].toString(), bob.address);
  assert.equal(BigInt(paid[1].toString()), expected);
  assert.equal(before - (await free(bob.address)), expected);
  const remarked = events.find(({ event }) => event.method === 'Remarked')!.event.data;
  assert.equal(remarked[1].toHex(), blake2AsHex('fee check'));
});

test('transfers move balance, create accounts, and respect the existential deposit', async () => {
  const fresh = keyring.addFromUri('//Fresh');
  const { events } = await inBlock(t.api.tx.balances.transferKeepAlive(fresh.address, 10n ** 18n));
  assert.ok(names(events).includes('system.NewAccount') && names(events).includes('balances.Endowed') && names(events).includes('balances.Transfer'));
  assert.equal(await free(fresh.address), 10n ** 18n);

  const tooSmall = await inBlock(t.api.tx.balances.transferAllowDeath(keyring.addFromUri('//Dust').address, 10n));
  const failed = tooSmall.events.find(({ event }) => event.method === 'ExtrinsicFailed')!.event.data[0];
  assert.equal(failed.toJSON() && JSON.stringify(failed.toJSON()), JSON.stringify({ token: 'BelowMinimum' }));
});

test('sudo dispatches as root; others get Sudo.RequireSudo', async () => {
  const { events } = await inBlock(t.api.tx.sudo.sudo(t.api.tx.balances.forceSetBalance(dave.address, 5n * 10n ** 18n)));
  assert.ok(names(events).includes('sudo.Sudid'));
  assert.equal(await free(dave.address), 5n * 10n ** 18n);
  const refused = await inBlock(t.api.tx.sudo.sudo(t.api.tx.system.remark('x')), bob);
  const error = refused.events.find(({ event }) => event.method === 'ExtrinsicFailed')!.event.data[0] as never as { asModule: never };
  const meta = t.api.registry.findMetaError((error as unknown as { asModule: Parameters<typeof t.api.registry.findMetaError>[0] }).asModule);
  assert.equal(`${meta.section}.${meta.name}`, 'sudo.RequireSudo');
});

test('a sudo call that succeeds pays the tip alone (Pays::No): the rest of the fee goes back; one refused pays in full', async () => {
  const tip = 1_000_000n;
  const payments = async (tx: SubmittableExtrinsic<'promise'>, signer: typeof alice) => {
    const { partialFee } = await tx.paymentInfo(signer, { tip });
    const before = await free(signer.address);
    const { events } = await new Promise<{ events: EventRecord[] }>((resolve, reject) => {
      tx.signAndSend(signer, { tip }, ({ status, events: e }) => {
        if (status.isInBlock || status.isFinalized) resolve({ events: e });
      }).catch(reject);
    });
    const amount = (method: string) => events.filter(({ event }) => event.section === 'balances' && event.method === method && event.data[0].toString() === signer.address).map(({ event }) => BigInt(event.data[1].toString()));
    const paid = events.find(({ event }) => event.method === 'TransactionFeePaid')!.event.data;
    const outcome = events.find(({ event }) => event.section === 'system' && event.method.startsWith('Extrinsic'))!.event;
    const info = (outcome.method === 'ExtrinsicSuccess' ? outcome.data[0] : outcome.data[1]) as unknown as { paysFee: { type: string } };
    return { partialFee: partialFee.toBigInt(), spent: before - (await free(signer.address)), withdrawn: amount('Withdraw'), deposited: amount('Deposit'), paid: BigInt(paid[1].toString()), tipReported: BigInt(paid[2].toString()), paysFee: info.paysFee.type, names: names(events) };
  };

  const sudo = await payments(t.api.tx.sudo.sudo(t.api.tx.balances.forceSetBalance(dave.address, 6n * 10n ** 18n)), alice);
  assert.deepEqual(sudo.withdrawn, [sudo.partialFee + tip], 'the whole fee is withdrawn before dispatch');
  assert.deepEqual(sudo.deposited, [sudo.partialFee], 'all but the tip goes back after it');
  assert.deepEqual([sudo.paid, sudo.tipReported, sudo.spent, sudo.paysFee], [tip, tip, tip, 'No']);
  assert.deepEqual(sudo.names, ['balances.Withdraw', 'balances.BalanceSet', 'sudo.Sudid', 'balances.Deposit', 'transactionPayment.TransactionFeePaid', 'system.ExtrinsicSuccess']);

  // The call sudo dispatched failing (a signed-only call, from Root) does not make sudo fail: still the tip alone.
  const innerFails = await payments(t.api.tx.sudo.sudo(t.api.tx.system.remarkWithEvent('as root')), alice);
  assert.deepEqual([innerFails.spent, innerFails.paysFee], [tip, 'No']);

  // Not the sudo key: RequireSudo, and the full fee.
  const refused = await payments(t.api.tx.sudo.sudo(t.api.tx.system.remark('x')), bob);
  assert.deepEqual([refused.spent, refused.paid, refused.paysFee, refused.deposited], [refused.partialFee + tip, refused.partialFee + tip, 'Yes', []]);
  // Wrapped in a batch, sudo's Pays::No is not the transaction's: the batch pays as usual.
  const batched = await payments(t.api.tx.utility.batch([t.api.tx.sudo.sudo(t.api.tx.system.remark('y'))]), alice);
  assert.deepEqual([batched.spent, batched.paysFee], [batched.partialFee + tip, 'Yes']);
});

test('a sudo key that its own sudo_as call reaped gets no refund: its account stays gone', async (tt) => {
  // A chain of its own: the sudo key is emptied here.
  const own = await startTestChain();
  tt.after(() => own.close());
  const tx = own.api.tx.sudo.sudoAs(alice.address, own.api.tx.balances.transferAll(bob.address, false));
  const { events } = await new Promise<{ events: EventRecord[] }>((resolve, reject) => {
    tx.signAndSend(alice, ({ status, events: e }) => {
      if (status.isInBlock || status.isFinalized) resolve({ events: e });
    }).catch(reject);
  });
  assert.ok(names(events).includes('system.KilledAccount'), `the sudo key was not reaped: ${names(events).join(', ')}`);
  assert.equal(names(events).includes('balances.Deposit'), false, 'a reaped payer was refunded');
  const account = await own.api.query.system.account(alice.address);
  assert.deepEqual([account.data.free.toBigInt(), account.providers.toNumber()], [0n, 0]);
});

test('a NonTransfer proxy may not move balances (System.CallFiltered) but may do the rest', async () => {
  await inBlock(t.api.tx.proxy.addProxy(charlie.address, 'NonTransfer', 0), bob);
  const transfer = await inBlock(t.api.tx.proxy.proxy(bob.address, null, t.api.tx.balances.transferKeepAlive(charlie.address, 10n ** 18n)), charlie);
  const executed = transfer.events.find(({ event }) => event.method === 'ProxyExecuted')!.event.data[0] as unknown as { isErr: boolean; asErr: { asModule: Parameters<typeof t.api.registry.findMetaError>[0] } };
  assert.ok(executed.isErr);
  const meta = t.api.registry.findMetaError(executed.asErr.asModule);
  assert.equal(`${meta.section}.${meta.name}`, 'system.CallFiltered');

  const remark = await inBlock(t.api.tx.proxy.proxy(bob.address, 'NonTransfer', t.api.tx.system.remarkWithEvent('as bob')), charlie);
  const remarked = remark.events.find(({ event }) => event.method === 'Remarked')!.event.data;
  assert.equal(remarked[0].toString(), bob.address, 'the call ran as the real account');
});

test('a NonTransfer proxy may not give itself more powers, directly or inside a batch (System.CallFiltered)', async () => {
  await inBlock(t.api.tx.proxy.addProxy(charlie.address, 'NonTransfer', 0), dave);
  const filtered = (events: EventRecord[], method: string) => {
    const data = events.find(({ event }) => event.method === method)!.event.data;
    const error = (method === 'ProxyExecuted' ? (data[0] as unknown as { asErr: unknown }).asErr : data[1]) as { asModule: Parameters<typeof t.api.registry.findMetaError>[0] };
    const meta = t.api.registry.findMetaError(error.asModule);
    return `${meta.section}.${meta.name}`;
  };
  const direct = await inBlock(t.api.tx.proxy.proxy(dave.address, 'NonTransfer', t.api.tx.proxy.addProxy(charlie.address, 'Any', 0)), charlie);
  assert.equal(filtered(direct.events, 'ProxyExecuted'), 'system.CallFiltered');
  // pallet_proxy filters the origin, so a call nested in a batch is filtered too.
  const nested = await inBlock(t.api.tx.proxy.proxy(dave.address, 'NonTransfer', t.api.tx.utility.batch([t.api.tx.proxy.addProxy(charlie.address, 'Any', 0)])), charlie);
  assert.equal(filtered(nested.events, 'BatchInterrupted'), 'system.CallFiltered');
  const removeAll = await inBlock(t.api.tx.proxy.proxy(dave.address, 'NonTransfer', t.api.tx.utility.batch([t.api.tx.proxy.removeProxies()])), charlie);
  assert.equal(filtered(removeAll.events, 'BatchInterrupted'), 'system.CallFiltered');
  const [proxies] = await t.api.query.proxy.proxies(dave.address);
  assert.deepEqual(proxies.map((p) => [p.delegate.toString(), p.proxyType.toString()]), [[charlie.address, 'NonTransfer']]);
});

test('interval mode builds blocks on its own, with increasing timestamps', async (tt) => {
  const interval = await startTestChain({ blockTimeMs: 100 });
  tt.after(() => interval.close());
  await new Promise((r) => setTimeout(r, 700));
  const header = await interval.api.rpc.chain.getHeader();
  assert.ok(header.number.toNumber() >= 3, `expected several blocks, got ${header.number.toNumber()}`);
  const [early, late] = await Promise.all([1, header.number.toNumber()].map(async (n) => (await interval.api.query.timestamp.now.at(await interval.api.rpc.chain.getBlockHash(n))).toBigInt()));
  assert.ok(late > early);
  const finalized = await interval.api.rpc.chain.getHeader(await interval.api.rpc.chain.getFinalizedHead());
  assert.ok(finalized.number.toNumber() >= header.number.toNumber() - 2 && finalized.number.toNumber() < header.number.toNumber() + 1);
});
