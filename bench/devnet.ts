// Dev chain throughput and latency: extrinsics per second through polkadot.js (pre-signed and
// submitted concurrently, then signed-and-watched one by one), and JSON-RPC round trips over
// WebSocket and HTTP. No target: it shows the dev chain is not the bottleneck elsewhere.
import { Keyring } from '@polkadot/keyring';
import { startTestChain } from '../test/helpers/devnet';
import { machineSummary, percentile } from './machine';

const EXTRINSICS = Number(process.env.BENCH_EXTRINSICS ?? 2000);
const WATCHED = Number(process.env.BENCH_WATCHED ?? 100);
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 2000);

async function main(): Promise<void> {
  const t = await startTestChain();
  const { api } = t;
  const keyring = new Keyring({ type: 'sr25519' });
  const signers = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map((uri) => keyring.addFromUri(uri));
  console.log(`machine: ${machineSummary()}`);

  // 1. Pre-signed remarks, submitted all at once: the chain's ingest rate.
  const nonces = await Promise.all(signers.map(async (s) => (await api.rpc.system.accountNextIndex(s.address)).toNumber()));
  const signStart = performance.now();
  const signed = await Promise.all(
    Array.from({ length: EXTRINSICS }, (_, i) => {
      const s = i % signers.length;
      return api.tx.system.remark(`bench ${i}`).signAsync(signers[s], { nonce: nonces[s] + Math.floor(i / signers.length) });
    }),
  );
  const signMs = performance.now() - signStart;
  const startBlock = (await api.rpc.chain.getHeader()).number.toNumber();
  const submitStart = performance.now();
  await Promise.all(signed.map((tx) => api.rpc.author.submitExtrinsic(tx.toHex())));
  const targetNonce = (s: number) => nonces[s] + Math.ceil((EXTRINSICS - s) / signers.length);
  for (;;) {
    const current = await Promise.all(signers.map(async (s) => (await api.query.system.account(s.address)).nonce.toNumber()));
    if (current.every((n, s) => n >= targetNonce(s))) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ingestMs = performance.now() - submitStart;
  const blocks = (await api.rpc.chain.getHeader()).number.toNumber() - startBlock;
  console.log(`signing:   ${EXTRINSICS} remarks in ${signMs.toFixed(0)} ms (${((EXTRINSICS / signMs) * 1000).toFixed(0)}/s, client side)`);
  console.log(`ingest:    ${EXTRINSICS} extrinsics submitted and included in ${ingestMs.toFixed(0)} ms: ${((EXTRINSICS / ingestMs) * 1000).toFixed(0)} extrinsics/s over ${blocks} blocks`);

  // 2. signAndSend one at a time, waiting for inclusion: what a single client sees.
  const watchedStart = performance.now();
  for (let i = 0; i < WATCHED; i++) {
    await new Promise<void>((resolve, reject) => {
      api.tx.system.remark(`watched ${i}`).signAndSend(signers[0], ({ status }) => {
        if (status.isInBlock || status.isFinalized) resolve();
      }).catch(reject);
    });
  }
  const watchedMs = performance.now() - watchedStart;
  console.log(`watched:   ${WATCHED} signAndSend → in block, sequentially: ${((WATCHED / watchedMs) * 1000).toFixed(1)} extrinsics/s (${(watchedMs / WATCHED).toFixed(1)} ms each)`);

  // 3. Round trips.
  for (const transport of ['ws', 'http'] as const) {
    const samples: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const start = performance.now();
      if (transport === 'ws') await api.rpc.chain.getHeader();
      else await fetch(t.devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"chain_getHeader","params":[]}' }).then((r) => r.text());
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    console.log(`rpc ${transport}:    chain_getHeader × ${ROUND_TRIPS}: p50 ${percentile(samples, 50).toFixed(3)} ms, p99 ${percentile(samples, 99).toFixed(3)} ms`);
  }
  await t.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
