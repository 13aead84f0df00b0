// The registry activity the end-to-end tests index: direct calls, the gateway's proxy + batch
// path, a failed proxied call, a plain batch, duplicates, non-UTF-8 and empty byte strings.
import type { ApiPromise } from '@polkadot/api';
import type { DevAccounts } from './accounts';
import { submit } from './submit';

export interface ScenarioResult {
  /** space ids by owner name */
  spaceIds: Record<'acme' | 'bobs' | 'dave' | 'eve', string>;
  /** The extrinsic hash of the gateway's proxied batch. */
  gatewayTx: string;
  lastBlock: string;
}

export const NON_UTF8_NAME = '0xff00fe';
export const INVALID_UTF8_DIGEST = '0xc328';
/** Text that is UTF-8 but not ASCII, with a leading byte-order mark: kept as is, hex and text. */
export const MULTIBYTE_IMAGE_NAME = '\uFEFFimg-é🐳';

export async function runScenario(api: ApiPromise, a: DevAccounts): Promise<ScenarioResult> {
  const cr = api.tx.containerRegistry;
  const spaceIdOf = (events: Awaited<ReturnType<typeof submit>>['events']) =>
    events.find(({ event }) => event.section === 'containerRegistry' && event.method === 'SpaceCreated')!.event.data[0].toString();
  const acme = spaceIdOf((await submit(cr.createSpace('acme'), a.alice)).events);
  const bobs = spaceIdOf((await submit(cr.createSpace('bobs'), a.bob)).events);
  await submit(cr.addSpaceMember(acme, a.charlie.address), a.alice);
  await submit(cr.addSpaceMember(acme, a.charlie.address), a.alice);
  await submit(cr.addSpaceMember(acme, a.bob.address), a.alice);
  await submit(cr.addManifestHeadDigestAndManifestJsonCid('acme', 'library/web', 'v1', 'sha256:aaa', 'bafyweba'), a.alice);
  await submit(cr.addManifestHeadDigestAndManifestJsonCid('acme', 'library/web', null, 'sha256:aaa', 'bafyweba'), a.alice);
  await submit(cr.addManifestHeadDigestAndManifestJsonCid('acme', 'library/web', 'v1', 'sha256:bbb', 'bafywebb'), a.alice);
  await submit(cr.storeDigestInfo('acme', 'sha256:layer', 'File', 'bafylayeralice'), a.alice);
  await submit(cr.storeDigestInfo('bobs', 'sha256:layer', 'File', 'bafylayerbob'), a.bob);
  // The gateway path: a NonTransfer grant, then proxy(owner, batch_all([...])).
  await submit(api.tx.proxy.addProxy(a.gateway.address, 'NonTransfer', 0), a.alice);
  const gateway = await submit(api.tx.proxy.proxy(a.alice.address, 'NonTransfer', api.tx.utility.batchAll([
    cr.addManifestHeadDigestAndManifestJsonCid('acme', 'api', 'v2', 'sha256:ccc', 'bafyapiv2'),
    cr.storeDigestInfo('acme', 'sha256:cfg', 'Json', 'bafycfg'),
  ])), a.gateway);
  // A proxied call whose inner call fails (Alice does not own bobs): ProxyExecuted(Err), no registry events.
  const failed = await submit(api.tx.proxy.proxy(a.alice.address, 'NonTransfer', api.tx.utility.batchAll([
    cr.addManifestHeadDigestAndManifestJsonCid('bobs', 'evil', 'v1', 'sha256:eee', 'bafyevil'),
  ])), a.gateway);
  if (!failed.events.some(({ event }) => event.method === 'ProxyExecuted' && (event.data[0] as unknown as { isErr: boolean }).isErr)) throw new Error('expected ProxyExecuted(Err)');
  // A plain (non-atomic) batch by Bob.
  await submit(api.tx.utility.batch([cr.addSpaceMember(bobs, a.dave.address), cr.addManifestHeadDigestAndManifestJsonCid('bobs', 'tool', 'v1', 'sha256:ddd', 'bafytool')]), a.bob);
  // Bytes that are not text, and empty ones.
  const dave = spaceIdOf((await submit(cr.createSpace(NON_UTF8_NAME), a.dave)).events);
  const eve = spaceIdOf((await submit(cr.createSpace(''), a.eve)).events);
  const last = await submit(cr.addManifestHeadDigestAndManifestJsonCid('', MULTIBYTE_IMAGE_NAME, '', INVALID_UTF8_DIGEST, 'bafyeve'), a.eve, { finalized: true });
  return { spaceIds: { acme, bobs, dave, eve }, gatewayTx: gateway.txHash, lastBlock: last.blockHash };
}
